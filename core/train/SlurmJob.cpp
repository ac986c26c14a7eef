#include "train/SlurmJob.h"

#include "store/StudyFiles.h"
#include "train/SweepRunner.h"
#include "util/Error.h"

#include <QDir>
#include <QFileInfo>
#include <QMap>

#include <cmath>

namespace flopsfit {

QString slurmTime(double seconds)
{
    const qint64 minutes = std::max<qint64>(1, qint64(std::ceil(seconds / 60.0)));
    return QString::asprintf("%lld-%02lld:%02lld:00", minutes / 1440, (minutes / 60) % 24, minutes % 60);
}

// Single quotes for the shell, so paths with spaces survive.
static QString shellQuote(const QString &s)
{
    QString out = s;
    out.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

QVector<SlurmArray> writeSlurmJobs(const SweepPlan &plan, const QString &studyDir,
                                   const QVector<RunSpec> &pending, const SlurmOptions &options)
{
    const QString root = QFileInfo(studyDir).absoluteFilePath();
    const QString slurmDir = root + QStringLiteral("/slurm");
    if (!QDir().mkpath(slurmDir + QStringLiteral("/logs")))
        throw InputError(QStringLiteral("%1: cannot create folder").arg(slurmDir));
    const int maxCpus = options.maxCpusPerTask > 0 ? options.maxCpusPerTask : 8;

    // Simulated runs take a fraction of a second on one CPU whatever the plan's size.
    const bool simulated = plan.spec.backend == QLatin1String("simulated");
    QMap<int, QVector<RunSpec>> groups;
    for (const RunSpec &run : pending) {
        int cpus = options.cpusPerTask;
        if (cpus <= 0)
            cpus = simulated ? 1 : threadsForRun(run, maxCpus);
        groups[cpus].append(run);
    }

    const QString jobName = QStringLiteral("flopsfit-") + (plan.spec.name.isEmpty() ? QStringLiteral("study") : plan.spec.name);
    QVector<SlurmArray> arrays;
    for (auto it = groups.begin(); it != groups.end(); ++it) {
        SlurmArray array;
        array.cpus = it.key();
        const QString name = QStringLiteral("train-c%1").arg(array.cpus);
        array.script = slurmDir + QLatin1Char('/') + name + QStringLiteral(".sbatch");
        array.runList = slurmDir + QLatin1Char('/') + name + QStringLiteral(".runs");
        double longest = 0;
        for (const RunSpec &run : it.value()) {
            array.runIds.append(run.id);
            // The plan's estimate assumes the whole machine; a task has `cpus` of it.
            longest = std::max(longest, run.estimatedSeconds);
        }
        if (!options.time.isEmpty())
            array.time = options.time;
        else
            array.time = slurmTime(simulated ? 600 : 2 * longest + 600);

        QStringList lines{QStringLiteral("#!/bin/bash"),
                          QStringLiteral("# Written by flopsfit --batch slurm: one array task per pending run."),
                          QStringLiteral("#SBATCH --job-name=%1").arg(jobName),
                          QStringLiteral("#SBATCH --array=0-%1").arg(array.runIds.size() - 1),
                          QStringLiteral("#SBATCH --ntasks=1"),
                          QStringLiteral("#SBATCH --cpus-per-task=%1").arg(array.cpus),
                          QStringLiteral("#SBATCH --time=%1").arg(array.time),
                          QStringLiteral("#SBATCH --output=%1/logs/%2-%A_%a.out").arg(slurmDir, name)};
        if (!options.partition.isEmpty())
            lines.append(QStringLiteral("#SBATCH --partition=%1").arg(options.partition));
        if (!options.account.isEmpty())
            lines.append(QStringLiteral("#SBATCH --account=%1").arg(options.account));
        if (options.gpusPerTask > 0)
            lines.append(QStringLiteral("#SBATCH --gpus-per-task=%1").arg(options.gpusPerTask));
        lines += {QStringLiteral("set -euo pipefail"),
                  QStringLiteral("run_id=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" %1)").arg(shellQuote(array.runList)),
                  QStringLiteral("echo \"flopsfit: task ${SLURM_ARRAY_TASK_ID} trains ${run_id} on $(hostname)\""),
                  QStringLiteral("exec %1 --batch train --study %2 --run \"$run_id\" --cores \"${SLURM_CPUS_PER_TASK:-%3}\"")
                      .arg(shellQuote(options.flopsfit), shellQuote(root))
                      .arg(array.cpus)};
        writeFileAtomically(array.runList, array.runIds.join(QLatin1Char('\n')).toUtf8() + '\n');
        writeFileAtomically(array.script, lines.join(QLatin1Char('\n')).toUtf8() + '\n');
        QFile::setPermissions(array.script, QFile::permissions(array.script) | QFileDevice::ExeOwner);
        arrays.append(array);
    }
    return arrays;
}

} // namespace flopsfit
