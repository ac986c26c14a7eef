#include "train/StudyStatus.h"

#include "train/SweepRunner.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QFileInfo>
#include <QJsonArray>

#include <cmath>

namespace flopsfit {

QString runStateName(RunState state)
{
    switch (state) {
    case RunState::Pending: return QStringLiteral("pending");
    case RunState::Running: return QStringLiteral("running");
    case RunState::Done: return QStringLiteral("done");
    case RunState::Diverged: return QStringLiteral("diverged");
    case RunState::Failed: return QStringLiteral("failed");
    }
    return {};
}

int StudyStatus::count(RunState state) const
{
    int n = 0;
    for (const RunStatusRow &r : runs)
        n += r.state == state;
    return n;
}

QJsonObject StudyStatus::toJson() const
{
    QJsonArray rows;
    for (const RunStatusRow &r : runs) {
        QJsonObject o{{QStringLiteral("id"), r.id}, {QStringLiteral("state"), runStateName(r.state)}};
        if (r.state == RunState::Done)
            o.insert(QStringLiteral("loss"), r.loss);
        if (!r.where.isEmpty())
            o.insert(QStringLiteral("where"), r.where);
        if (!r.message.isEmpty())
            o.insert(QStringLiteral("message"), r.message);
        rows.append(o);
    }
    QJsonObject counts;
    for (RunState s : {RunState::Pending, RunState::Running, RunState::Done, RunState::Diverged, RunState::Failed})
        counts.insert(runStateName(s), count(s));
    return {{QStringLiteral("counts"), counts}, {QStringLiteral("runs"), rows}};
}

StudyStatus readStudyStatus(const QString &studyDir)
{
    const StudyPaths paths(studyDir);
    const SweepPlan plan = loadPlan(paths.sweep());
    const QHash<QString, RunResult> results = readResults(paths);
    StudyStatus status;
    for (const RunSpec &run : plan.runs) {
        RunStatusRow row;
        row.id = run.id;
        const auto it = results.find(run.id);
        if (it != results.end()) {
            switch (it->status) {
            case RunStatus::Done: row.state = RunState::Done; break;
            case RunStatus::Diverged: row.state = RunState::Diverged; break;
            case RunStatus::Failed: row.state = RunState::Failed; break;
            case RunStatus::Cancelled: break;
            }
            row.loss = it->loss;
            row.message = it->message;
        }
        // A marker newer than the last result: the run is (re)training now.
        if (row.state != RunState::Done && row.state != RunState::Diverged &&
            QFileInfo::exists(paths.runMarker(run.id))) {
            try {
                const QJsonObject marker = readJsonObjectFile(paths.runMarker(run.id));
                row.state = RunState::Running;
                row.where = QStringLiteral("%1 pid %2")
                                .arg(marker.value(QStringLiteral("host")).toString())
                                .arg(marker.value(QStringLiteral("pid")).toInteger());
            } catch (const InputError &) {
                row.state = RunState::Running; // a marker being written right now
            }
        }
        status.runs.append(row);
    }
    return status;
}

} // namespace flopsfit
