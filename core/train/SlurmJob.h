#pragma once
#include "plan/SweepPlan.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace flopsfit {

struct SlurmOptions {
    QString flopsfit;       // the flopsfit executable the tasks run (absolute path)
    QString partition;      // --partition, empty: the cluster's default
    QString time;           // --time; empty: from the plan's estimate (×2 + 10 min, per array;
                            // 10 min for the simulated backend)
    QString account;        // --account, empty: none
    int maxCpusPerTask = 8; // runs get threadsForRun(run, maxCpusPerTask) CPUs (simulated: 1)
    int cpusPerTask = 0;    // > 0: every task gets this many CPUs
    int gpusPerTask = 0;    // > 0: --gpus-per-task
};

// One array job: the runs that need the same resources.
struct SlurmArray {
    QString script;      // <study>/slurm/<name>.sbatch
    QString runList;     // <study>/slurm/<name>.runs, one run id per line; task i trains line i+1
    QStringList runIds;
    int cpus = 1;
    QString time;        // D-HH:MM:SS
};

// Writes one sbatch script per group of pending runs with equal CPU needs. Each array task runs
// `flopsfit --batch train --study DIR --run <id>`; results land in runs/<id>/result.json (an
// atomic rename, safe on a shared file system) and results.jsonl. Logs go to <study>/slurm/logs.
// Returns nothing to do (an empty vector) when no run is pending.
QVector<SlurmArray> writeSlurmJobs(const SweepPlan &plan, const QString &studyDir,
                                   const QVector<RunSpec> &pending, const SlurmOptions &options);

// "D-HH:MM:SS" for a number of seconds (rounded up to whole minutes).
QString slurmTime(double seconds);

} // namespace flopsfit
