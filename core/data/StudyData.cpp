#include "data/StudyData.h"

#include "plan/SweepPlan.h"
#include "store/StudyFiles.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>

#include <cmath>

namespace flopsfit {

namespace {

class MetaReader {
public:
    MetaReader(const QJsonObject &o, const QString &origin) : m_o(o), m_origin(origin) {}

    QJsonValue value(const QString &key) const
    {
        if (!m_o.contains(key))
            throw InputError(QStringLiteral("%1: missing key '%2'").arg(m_origin, key));
        return m_o.value(key);
    }
    qint64 count(const QString &key, qint64 lo) const
    {
        const QJsonValue v = value(key);
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d != std::floor(d) || d < double(lo))
            throw InputError(QStringLiteral("%1: '%2' must be a whole number ≥ %3").arg(m_origin, key).arg(lo));
        return qint64(d);
    }
    QString string(const QString &key) const
    {
        const QJsonValue v = value(key);
        if (!v.isString())
            throw InputError(QStringLiteral("%1: '%2' must be a string").arg(m_origin, key));
        return v.toString();
    }

private:
    const QJsonObject &m_o;
    QString m_origin;
};

QString numberArg(double v)
{
    return QString::number(v, 'g', 17);
}

} // namespace

DataMeta readDataMeta(const QString &metaPath)
{
    const QJsonObject o = readJsonObjectFile(metaPath);
    checkSchemaVersion(o, metaPath);
    const MetaReader r(o, metaPath);
    DataMeta m;
    m.json = o;
    m.schemaVersion = int(r.count(QStringLiteral("schema_version"), 1));
    m.dtype = parseTokenDType(r.string(QStringLiteral("dtype")), metaPath + QStringLiteral(": 'dtype'"));
    m.vocabSize = r.count(QStringLiteral("vocab_size"), 1);
    if (m.vocabSize > 65536 && m.dtype == TokenDType::UInt16)
        throw InputError(QStringLiteral("%1: a vocabulary of %2 pieces does not fit dtype uint16").arg(metaPath).arg(m.vocabSize));
    m.trainTokens = r.count(QStringLiteral("train_tokens"), 1);
    m.valTokens = r.count(QStringLiteral("val_tokens"), 1);
    m.documents = r.count(QStringLiteral("documents"), 2);
    const QJsonValue vf = r.value(QStringLiteral("val_fraction"));
    m.valFraction = vf.toDouble(-1);
    if (!vf.isDouble() || !(m.valFraction > 0 && m.valFraction < 1))
        throw InputError(QStringLiteral("%1: 'val_fraction' must be a number in (0, 1)").arg(metaPath));
    m.tokenizer = r.string(QStringLiteral("tokenizer"));
    if (m.tokenizer != QLatin1String("bpe") && m.tokenizer != QLatin1String("unigram"))
        throw InputError(QStringLiteral("%1: 'tokenizer' must be \"bpe\" or \"unigram\", not \"%2\"").arg(metaPath, m.tokenizer));
    m.unkId = r.count(QStringLiteral("unk_id"), -1);
    m.eosId = r.count(QStringLiteral("eos_id"), -1);
    if (m.unkId >= m.vocabSize || m.eosId >= m.vocabSize)
        throw InputError(QStringLiteral("%1: 'unk_id' / 'eos_id' must be below 'vocab_size'").arg(metaPath));
    m.source = r.string(QStringLiteral("source"));
    if (m.source != QLatin1String("builtin") && m.source != QLatin1String("file"))
        throw InputError(QStringLiteral("%1: 'source' must be \"builtin\" or \"file\", not \"%2\"").arg(metaPath, m.source));
    m.sourceDescription = r.string(QStringLiteral("source_description"));
    m.sourceSha256 = r.string(QStringLiteral("source_sha256"));
    if (m.sourceSha256.size() != 64)
        throw InputError(QStringLiteral("%1: 'source_sha256' must be 64 hex digits").arg(metaPath));
    const QJsonValue settings = r.value(QStringLiteral("settings"));
    if (!settings.isObject())
        throw InputError(QStringLiteral("%1: 'settings' must be an object").arg(metaPath));
    m.settings = settings.toObject();
    return m;
}

QJsonObject dataSettingsFor(const SweepSpec &spec)
{
    const QJsonObject &c = spec.config;
    const QString origin = QStringLiteral("the plan's data section");
    const QString source = valueAtPath(c, QStringLiteral("data.source")).toString();
    const QString tokenizer = valueAtPath(c, QStringLiteral("data.tokenizer")).toString();
    const double vocab = valueAtPath(c, QStringLiteral("data.vocab_size")).toDouble();
    const double tokens = valueAtPath(c, QStringLiteral("data.builtin_tokens")).toDouble();
    const double valFraction = valueAtPath(c, QStringLiteral("data.val_fraction")).toDouble();
    QString path = valueAtPath(c, QStringLiteral("data.path")).toString();
    if (source != QLatin1String("builtin") && source != QLatin1String("file"))
        throw InputError(QStringLiteral("%1: 'data.source' must be \"builtin\" or \"file\", not \"%2\"").arg(origin, source));
    if (tokenizer != QLatin1String("bpe") && tokenizer != QLatin1String("unigram"))
        throw InputError(QStringLiteral("%1: 'data.tokenizer' must be \"bpe\" or \"unigram\", not \"%2\"").arg(origin, tokenizer));
    if (!(vocab >= 300 && vocab <= (1 << 22)) || vocab != std::floor(vocab))
        throw InputError(QStringLiteral("%1: 'data.vocab_size' must be a whole number in [300, 4194304]").arg(origin));
    if (!(valFraction > 0 && valFraction < 0.5))
        throw InputError(QStringLiteral("%1: 'data.val_fraction' must be in (0, 0.5)").arg(origin));
    if (source == QLatin1String("builtin")) {
        if (!(tokens >= 1000 && tokens <= 1e11) || tokens != std::floor(tokens))
            throw InputError(QStringLiteral("%1: 'data.builtin_tokens' must be a whole number in [1000, 1e11]").arg(origin));
        path.clear();
    } else {
        if (path.isEmpty())
            throw InputError(QStringLiteral("%1: 'data.source' is \"file\" but 'data.path' is empty").arg(origin));
        path = QFileInfo(path).absoluteFilePath();
    }
    QJsonObject s;
    s.insert(QStringLiteral("source"), source);
    s.insert(QStringLiteral("path"), path);
    s.insert(QStringLiteral("vocab_size"), vocab);
    s.insert(QStringLiteral("tokenizer"), tokenizer);
    s.insert(QStringLiteral("tokens"), source == QLatin1String("builtin") ? tokens : 0.0);
    s.insert(QStringLiteral("val_fraction"), valFraction);
    s.insert(QStringLiteral("seed"), 0);
    return s;
}

QString tokenizeExecutable()
{
    const QString env = QProcessEnvironment::systemEnvironment().value(QStringLiteral("FLOPSFIT_TOKENIZE"));
    if (!env.isEmpty())
        return env;
    if (QCoreApplication::instance()) {
        const QString next = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("flopsfit-tokenize"));
        if (QFileInfo(next).isExecutable())
            return next;
    }
    throw InputError(QStringLiteral("cannot find flopsfit-tokenize next to this program; set FLOPSFIT_TOKENIZE to its path"));
}

static bool dataIsCurrent(const StudyPaths &paths, const QJsonObject &settings)
{
    const QString metaPath = paths.dataMeta();
    if (!QFileInfo::exists(metaPath))
        return false;
    DataMeta meta;
    try {
        meta = readDataMeta(metaPath);
    } catch (const InputError &) {
        return false; // a corrupt or older meta.json: tokenize again
    }
    if (meta.settings != settings)
        return false;
    const qint64 width = tokenDTypeBytes(meta.dtype);
    return QFileInfo(paths.trainShard()).size() == meta.trainTokens * width
        && QFileInfo(paths.valShard()).size() == meta.valTokens * width
        && QFileInfo::exists(QDir(paths.dataDir()).filePath(QStringLiteral("vocab.txt")));
}

bool ensureStudyData(const StudyPaths &paths, const SweepSpec &spec,
                     const std::function<void(const QString &, qint64, qint64)> &progress,
                     const std::atomic<bool> *cancel)
{
    const QJsonObject settings = dataSettingsFor(spec);
    if (dataIsCurrent(paths, settings))
        return true;

    QStringList args{QStringLiteral("--out"), paths.dataDir(),
                     QStringLiteral("--vocab-size"), numberArg(settings.value(QStringLiteral("vocab_size")).toDouble()),
                     QStringLiteral("--tokenizer"), settings.value(QStringLiteral("tokenizer")).toString(),
                     QStringLiteral("--val-fraction"), numberArg(settings.value(QStringLiteral("val_fraction")).toDouble()),
                     QStringLiteral("--seed"), numberArg(settings.value(QStringLiteral("seed")).toDouble())};
    if (settings.value(QStringLiteral("source")).toString() == QLatin1String("builtin"))
        args << QStringLiteral("--builtin") << QStringLiteral("--tokens") << numberArg(settings.value(QStringLiteral("tokens")).toDouble());
    else
        args << QStringLiteral("--") << settings.value(QStringLiteral("path")).toString();

    const QString program = tokenizeExecutable();
    QProcess process;
    process.setProgram(program);
    process.setArguments(args);
    process.start();
    if (!process.waitForStarted(30000))
        throw InputError(QStringLiteral("%1: cannot start: %2").arg(program, process.errorString()));

    QByteArray stdoutBuffer;
    QByteArray stderrTail;
    auto drain = [&]() {
        stdoutBuffer += process.readAllStandardOutput();
        stderrTail += process.readAllStandardError();
        if (stderrTail.size() > (64 << 10))
            stderrTail = stderrTail.right(64 << 10);
        int newline;
        while ((newline = stdoutBuffer.indexOf('\n')) >= 0) {
            const QByteArray line = stdoutBuffer.left(newline).trimmed();
            stdoutBuffer.remove(0, newline + 1);
            const QList<QByteArray> words = line.split(' ');
            if (words.value(0) != "progress" || !progress)
                continue;
            QString stage;
            qint64 done = 0, total = 0;
            for (const QByteArray &w : words) {
                if (w.startsWith("stage="))
                    stage = QString::fromUtf8(w.mid(6));
                else if (w.startsWith("done="))
                    done = w.mid(5).toLongLong();
                else if (w.startsWith("total="))
                    total = w.mid(6).toLongLong();
            }
            progress(stage, done, total);
        }
    };
    while (process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(100);
        drain();
        if (cancel && cancel->load()) {
            process.terminate();
            if (!process.waitForFinished(5000)) {
                process.kill();
                process.waitForFinished(5000);
            }
            return false;
        }
    }
    drain();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        QString message;
        for (const QByteArray &line : stderrTail.split('\n')) {
            const QString text = QString::fromUtf8(line).trimmed();
            if (text.contains(QLatin1String("error:")))
                message += (message.isEmpty() ? QString() : QStringLiteral("; ")) + text;
        }
        if (message.isEmpty())
            message = QString::fromUtf8(stderrTail).trimmed().right(2000);
        throw InputError(QStringLiteral("preparing %1 failed (flopsfit-tokenize %2): %3")
                             .arg(paths.dataDir(),
                                  process.exitStatus() == QProcess::NormalExit ? QStringLiteral("exit status %1").arg(process.exitCode())
                                                                               : QStringLiteral("crashed"),
                                  message));
    }
    if (!dataIsCurrent(paths, settings))
        throw InputError(QStringLiteral("%1: flopsfit-tokenize finished but meta.json does not record the requested settings").arg(paths.dataDir()));
    return true;
}

} // namespace flopsfit
