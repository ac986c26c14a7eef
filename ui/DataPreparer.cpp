#include "DataPreparer.h"

#include "data/StudyData.h"
#include "store/StudyFiles.h"
#include "util/Error.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>

namespace flopsfit::ui {

DataPreparer::DataPreparer(QObject *parent) : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcherBase::finished, this, [this] {
        const Outcome outcome = m_watcher.result();
        Q_EMIT finished(outcome.completed, outcome.error);
    });
}

DataPreparer::~DataPreparer()
{
    m_cancel.store(true);
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

bool DataPreparer::isRunning() const
{
    return m_watcher.isRunning();
}

int DataPreparer::overallPercent(const QString &stage, qint64 done, qint64 total)
{
    // Rough shares of the tool's wall time: reading a sample, training the tokenizer,
    // encoding the corpus, writing the shards.
    struct Share {
        const char *stage;
        int from, to;
    };
    static const Share shares[] = {{"sample", 0, 15}, {"train", 15, 35}, {"encode", 35, 95}, {"write", 95, 100}};
    const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 0.0;
    for (const Share &s : shares) {
        if (stage == QLatin1String(s.stage))
            return s.from + int((s.to - s.from) * fraction);
    }
    return 0;
}

void DataPreparer::start(const QString &studyDir, const SweepSpec &spec)
{
    if (isRunning())
        return;
    m_cancel.store(false);
    const StudyPaths paths(studyDir);
    m_watcher.setFuture(QtConcurrent::run([this, paths, spec]() {
        Outcome outcome;
        try {
            outcome.completed = ensureStudyData(
                paths, spec,
                [this](const QString &stage, qint64 done, qint64 total) {
                    const int percent = overallPercent(stage, done, total);
                    QMetaObject::invokeMethod(this, [this, stage, percent] { Q_EMIT progress(stage, percent); },
                                              Qt::QueuedConnection);
                },
                &m_cancel);
        } catch (const InputError &e) {
            outcome.error = e.message();
        } catch (const std::exception &e) {
            outcome.error = QString::fromLocal8Bit(e.what());
        }
        return outcome;
    }));
}

void DataPreparer::cancel()
{
    m_cancel.store(true);
}

} // namespace flopsfit::ui
