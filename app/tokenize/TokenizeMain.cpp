// flopsfit-tokenize: trains a sentencepiece tokenizer on a corpus (text files, JSON Lines,
// folders of either, or the built-in story generator) and encodes it into token shards.
// It links sentencepiece and never torch: the two cannot share a process (DESIGN.md).
//
// stdout carries machine-readable lines only:
//   progress stage=<sample|train|encode|write> done=<n> total=<n>
//   done train_tokens=<n> val_tokens=<n> documents=<n> vocab_size=<n> seconds=<s>
// stderr carries messages for people. Exit status: 0 done, 2 an input or setting the user can
// fix (the message names the file), 1 anything else, 130 interrupted.

#include "data/CorpusReader.h"
#include "data/StoryGenerator.h"
#include "data/TokenShards.h"
#include "store/StudyFiles.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QThread>

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace flopsfit;

namespace {

std::atomic<bool> g_interrupted{false};

void onSignal(int)
{
    g_interrupted.store(true);
}

struct Interrupted {};

void checkInterrupted()
{
    if (g_interrupted.load())
        throw Interrupted{};
}

struct Options {
    QStringList inputs;
    bool builtin = false;
    qint64 tokens = 0;
    quint64 seed = 0;
    qint64 vocabSize = 0;
    QString tokenizer;
    double valFraction = 0;
    QString outDir;
    qint64 sampleDocuments = 0;
    int threads = 1;
    bool verbose = false;
};

// Throttled progress lines: at most ~4 a second, plus the first and the last of a stage.
class Progress {
public:
    void report(const char *stage, qint64 done, qint64 total, bool force = false)
    {
        if (!force && m_stage == stage && m_timer.isValid() && m_timer.elapsed() < 250)
            return;
        m_stage = stage;
        m_timer.restart();
        std::printf("progress stage=%s done=%lld total=%lld\n", stage, static_cast<long long>(done), static_cast<long long>(total));
        std::fflush(stdout);
    }

private:
    QByteArray m_stage;
    QElapsedTimer m_timer;
};

void say(const QString &message)
{
    std::fprintf(stderr, "%s\n", qPrintable(message));
    std::fflush(stderr);
}

// Feeds the in-memory training sample to sentencepiece.
class SampleIterator : public sentencepiece::SentenceIterator {
public:
    explicit SampleIterator(const std::vector<std::string> &sample) : m_sample(sample) {}
    bool done() const override { return m_index >= m_sample.size(); }
    void Next() override { ++m_index; }
    const std::string &value() const override { return m_sample[m_index]; }
    sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

private:
    const std::vector<std::string> &m_sample;
    std::size_t m_index = 0;
};

// sentencepiece rejects sentences longer than this (bytes); longer documents are cut at line
// ends for the training sample (they are still encoded whole).
constexpr int kMaxSentenceBytes = 4096;

void appendSamplePieces(const QByteArray &document, std::vector<std::string> *pieces)
{
    if (document.size() <= kMaxSentenceBytes) {
        pieces->emplace_back(document.constData(), std::size_t(document.size()));
        return;
    }
    QByteArray chunk;
    for (const QByteArray &line : document.split('\n')) {
        if (chunk.size() + line.size() + 1 > kMaxSentenceBytes && !chunk.isEmpty()) {
            pieces->emplace_back(chunk.constData(), std::size_t(chunk.size()));
            chunk.clear();
        }
        if (line.size() > kMaxSentenceBytes)
            continue; // a single giant line: left out of the sample
        if (!chunk.isEmpty())
            chunk += '\n';
        chunk += line;
    }
    if (!chunk.trimmed().isEmpty())
        pieces->emplace_back(chunk.constData(), std::size_t(chunk.size()));
}

// The documents of the corpus, in order, any number of times.
class Corpus {
public:
    explicit Corpus(const Options &o) : m_options(o)
    {
        if (!o.builtin)
            m_reader = std::make_unique<CorpusReader>(o.inputs);
    }
    bool next(QByteArray *document)
    {
        if (m_reader)
            return m_reader->next(document);
        const std::string story = StoryGenerator::story(m_options.seed, m_index++);
        *document = QByteArray(story.data(), qsizetype(story.size()));
        return true; // endless: the caller stops at the token budget
    }
    void rewind()
    {
        if (m_reader)
            m_reader->rewind();
        m_index = 0;
    }
    CorpusReader *reader() { return m_reader.get(); }

private:
    const Options &m_options;
    std::unique_ptr<CorpusReader> m_reader;
    qint64 m_index = 0;
};

// Splitmix64 for the reservoir and the split offset.
quint64 mix(quint64 x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

double unitFromSeed(quint64 seed, quint64 salt)
{
    return double(mix(seed ^ mix(salt)) >> 11) * (1.0 / 9007199254740992.0);
}

// Picks exactly round(rate · n) evenly spread documents (systematic sampling from a seeded
// offset): document i goes to validation when floor((i+1)·rate + u) > floor(i·rate + u).
class Split {
public:
    Split(double rate, double offset) : m_rate(rate), m_offset(offset) {}
    bool isValidation(qint64 i) const
    {
        return std::floor(double(i + 1) * m_rate + m_offset) > std::floor(double(i) * m_rate + m_offset);
    }

private:
    double m_rate;
    double m_offset;
};

QString vocabLine(const sentencepiece::SentencePieceProcessor &sp, int id)
{
    const std::string &piece = sp.IdToPiece(id);
    if (piece == "\n")
        return QStringLiteral("<0x0A>");
    QString text = QString::fromStdString(piece);
    text.replace(QLatin1Char('\n'), QStringLiteral("<0x0A>")); // never expected; keeps one piece a line
    return text;
}

int run(const Options &o)
{
    QElapsedTimer clock;
    clock.start();
    Progress progress;
    QDir().mkpath(o.outDir);
    const QDir out(o.outDir);
    // meta.json is written last: without it the folder does not count as tokenized.
    QFile::remove(out.filePath(QStringLiteral("meta.json")));

    Corpus corpus(o);

    // 1. A bounded training sample: a seeded reservoir over the documents of the files (which
    //    also counts them and hashes the input), or the first stories of the generator.
    std::vector<std::string> sample;
    qint64 documents = 0;
    QString sourceSha;
    {
        QByteArray document;
        std::vector<std::string> pieces;
        if (o.builtin) {
            const qint64 total = o.sampleDocuments;
            qint64 bytes = 0;
            // Enough text for the token budget, at most sampleDocuments stories.
            while (qint64(sample.size()) < o.sampleDocuments && bytes < 6 * o.tokens) {
                checkInterrupted();
                corpus.next(&document);
                bytes += document.size();
                appendSamplePieces(document, &sample);
                progress.report("sample", qint64(sample.size()), total);
            }
            progress.report("sample", qint64(sample.size()), qint64(sample.size()), true);
            const QByteArray settings = QStringLiteral("%1; seed=%2; tokens=%3").arg(StoryGenerator::describe()).arg(o.seed).arg(o.tokens).toUtf8();
            sourceSha = QString::fromLatin1(QCryptographicHash::hash(settings, QCryptographicHash::Sha256).toHex());
        } else {
            CorpusReader *reader = corpus.reader();
            quint64 state = mix(o.seed ^ 0x5A17ull);
            qint64 seen = 0; // sample pieces offered to the reservoir
            while (corpus.next(&document)) {
                checkInterrupted();
                ++documents;
                pieces.clear();
                appendSamplePieces(document, &pieces);
                for (std::string &piece : pieces) {
                    // Reservoir sampling (algorithm R) over sample pieces.
                    ++seen;
                    if (qint64(sample.size()) < o.sampleDocuments) {
                        sample.push_back(std::move(piece));
                    } else {
                        state = mix(state);
                        const quint64 j = state % quint64(seen);
                        if (j < quint64(sample.size()))
                            sample[j] = std::move(piece);
                    }
                }
                progress.report("sample", reader->bytesRead(), reader->totalBytes());
            }
            progress.report("sample", reader->totalBytes(), reader->totalBytes(), true);
            sourceSha = QString::fromLatin1(reader->sha256Hex());
            if (documents < 2)
                throw InputError(QStringLiteral("%1: %2 document(s); a train/validation split needs at least 2")
                                     .arg(o.inputs.join(QStringLiteral(", ")))
                                     .arg(documents));
        }
    }

    // 2. Train the tokenizer.
    progress.report("train", 0, 1, true);
    say(QStringLiteral("training a %1 tokenizer of %2 pieces on %3 sample texts").arg(o.tokenizer).arg(o.vocabSize).arg(sample.size()));
    const std::unordered_map<std::string, std::string> spec{
        {"model_type", o.tokenizer.toStdString()},
        {"vocab_size", std::to_string(o.vocabSize)},
        {"character_coverage", "0.9995"},
        {"byte_fallback", "true"},
        {"split_digits", "true"},
        {"normalization_rule_name", "identity"},
        {"remove_extra_whitespaces", "false"},
        {"add_dummy_prefix", "true"},
        {"user_defined_symbols", "\n"},
        {"unk_id", "0"},
        {"eos_id", "1"},
        {"bos_id", "-1"},
        {"pad_id", "-1"},
        {"max_sentence_length", std::to_string(kMaxSentenceBytes)},
        {"input_sentence_size", "0"},
        {"shuffle_input_sentence", "false"},
        {"hard_vocab_limit", "false"},
        {"num_threads", std::to_string(o.threads)},
        {"minloglevel", o.verbose ? "0" : "2"},
    };
    std::string modelProto;
    {
        SampleIterator iterator(sample);
        const auto status = sentencepiece::SentencePieceTrainer::Train(spec, &iterator, &modelProto);
        if (!status.ok())
            throw InputError(QStringLiteral("training the tokenizer failed: %1").arg(QString::fromStdString(status.ToString())));
    }
    std::vector<std::string>().swap(sample);
    checkInterrupted();
    progress.report("train", 1, 1, true);

    sentencepiece::SentencePieceProcessor sp;
    {
        const auto status = sp.LoadFromSerializedProto(modelProto);
        if (!status.ok())
            throw std::runtime_error("cannot load the trained tokenizer: " + status.ToString());
    }
    const int vocabSize = sp.GetPieceSize();
    const int eosId = sp.eos_id();
    const int unkId = sp.unk_id();
    writeFileAtomically(out.filePath(QStringLiteral("tokenizer.model")), QByteArray::fromStdString(modelProto));
    {
        QString vocab;
        for (int id = 0; id < vocabSize; ++id)
            vocab += vocabLine(sp, id) + QLatin1Char('\n');
        writeFileAtomically(out.filePath(QStringLiteral("vocab.txt")), vocab.toUtf8());
    }

    // 3. Encode document by document into the two shards.
    const TokenDType dtype = tokenDTypeForVocab(vocabSize);
    TokenShardWriter train(out.filePath(QStringLiteral("train.bin")), dtype);
    TokenShardWriter val(out.filePath(QStringLiteral("val.bin")), dtype);
    double rate = o.valFraction;
    if (!o.builtin) {
        const qint64 k = std::clamp<qint64>(qint64(std::llround(double(documents) * o.valFraction)), 1, documents - 1);
        rate = double(k) / double(documents);
    }
    const Split split(rate, unitFromSeed(o.seed, 0x5B11ull));
    corpus.rewind();
    qint64 index = 0, trainDocs = 0, valDocs = 0;
    // Batches of documents are generated (built-in) and encoded by `threads` workers, then
    // appended in order, so the shards do not depend on the thread count.
    constexpr int kBatchDocuments = 512;
    constexpr qint64 kBatchBytes = 8 << 20;
    std::vector<QByteArray> batch;
    std::vector<std::vector<int>> encoded(kBatchDocuments);
    std::vector<std::uint32_t> tokens;
    bool finished = false;
    while (!finished) {
        checkInterrupted();
        // Read a batch (files), or name one (built-in: story index + j is generated by the worker).
        batch.clear();
        if (o.builtin) {
            batch.resize(kBatchDocuments);
        } else {
            qint64 bytes = 0;
            QByteArray document;
            while (int(batch.size()) < kBatchDocuments && bytes < kBatchBytes && corpus.next(&document)) {
                bytes += document.size();
                batch.push_back(std::move(document));
            }
            if (batch.empty())
                break;
        }
        const int count = int(batch.size());
        std::atomic<int> next{0};
        std::atomic<bool> failed{false};
        std::string failure;
        auto work = [&]() {
            for (int j = next++; j < count; j = next++) {
                if (o.builtin) {
                    const std::string story = StoryGenerator::story(o.seed, index + j);
                    batch[std::size_t(j)] = QByteArray(story.data(), qsizetype(story.size()));
                }
                const QByteArray &doc = batch[std::size_t(j)];
                const auto status = sp.Encode(std::string_view(doc.constData(), std::size_t(doc.size())), &encoded[std::size_t(j)]);
                if (!status.ok() && !failed.exchange(true))
                    failure = status.ToString();
            }
        };
        {
            std::vector<std::thread> workers;
            for (int t = 1; t < std::min(o.threads, count); ++t)
                workers.emplace_back(work);
            work();
            for (std::thread &w : workers)
                w.join();
        }
        if (failed)
            throw std::runtime_error("encoding failed: " + failure);
        for (int j = 0; j < count; ++j) {
            if (o.builtin && train.size() + val.size() >= o.tokens && trainDocs > 0 && valDocs > 0) {
                finished = true;
                break;
            }
            const std::vector<int> &ids = encoded[std::size_t(j)];
            tokens.assign(ids.begin(), ids.end());
            tokens.push_back(std::uint32_t(eosId));
            const bool toVal = split.isValidation(index++);
            (toVal ? val : train).append(tokens.data(), qint64(tokens.size()));
            ++(toVal ? valDocs : trainDocs);
        }
        if (o.builtin)
            progress.report("encode", train.size() + val.size(), o.tokens);
        else
            progress.report("encode", corpus.reader()->bytesRead(), corpus.reader()->totalBytes());
    }
    if (o.builtin)
        progress.report("encode", train.size() + val.size(), o.tokens, true);
    else
        progress.report("encode", corpus.reader()->totalBytes(), corpus.reader()->totalBytes(), true);
    documents = trainDocs + valDocs;
    progress.report("write", 0, 1, true);
    train.commit();
    val.commit();

    QJsonObject settings;
    settings.insert(QStringLiteral("source"), o.builtin ? QStringLiteral("builtin") : QStringLiteral("file"));
    settings.insert(QStringLiteral("path"), o.builtin ? QString() : (o.inputs.size() == 1 ? QFileInfo(o.inputs.first()).absoluteFilePath() : QString()));
    settings.insert(QStringLiteral("vocab_size"), double(o.vocabSize));
    settings.insert(QStringLiteral("tokenizer"), o.tokenizer);
    settings.insert(QStringLiteral("tokens"), double(o.builtin ? o.tokens : 0));
    settings.insert(QStringLiteral("val_fraction"), o.valFraction);
    settings.insert(QStringLiteral("seed"), double(o.seed));

    QJsonArray inputs;
    if (!o.builtin)
        for (const QString &f : corpus.reader()->files())
            inputs.append(QFileInfo(f).absoluteFilePath());
    const double seconds = clock.elapsed() / 1000.0;
    QJsonObject meta;
    meta.insert(QStringLiteral("schema_version"), kSchemaVersion);
    meta.insert(QStringLiteral("dtype"), tokenDTypeName(dtype));
    meta.insert(QStringLiteral("vocab_size"), vocabSize);
    meta.insert(QStringLiteral("train_tokens"), double(train.size()));
    meta.insert(QStringLiteral("val_tokens"), double(val.size()));
    meta.insert(QStringLiteral("documents"), double(documents));
    meta.insert(QStringLiteral("train_documents"), double(trainDocs));
    meta.insert(QStringLiteral("val_documents"), double(valDocs));
    meta.insert(QStringLiteral("val_fraction"), o.valFraction);
    meta.insert(QStringLiteral("tokenizer"), o.tokenizer);
    meta.insert(QStringLiteral("unk_id"), unkId);
    meta.insert(QStringLiteral("eos_id"), eosId);
    meta.insert(QStringLiteral("source"), settings.value(QStringLiteral("source")));
    meta.insert(QStringLiteral("source_description"),
                o.builtin ? QStringLiteral("%1, seed %2, %3 tokens").arg(StoryGenerator::describe()).arg(o.seed).arg(o.tokens)
                          : QStringLiteral("%1 file(s): %2").arg(inputs.size()).arg(o.inputs.join(QStringLiteral(", "))));
    meta.insert(QStringLiteral("source_sha256"), sourceSha);
    meta.insert(QStringLiteral("source_sha256_of"), o.builtin ? QStringLiteral("generator settings") : QStringLiteral("input bytes"));
    if (!o.builtin)
        meta.insert(QStringLiteral("inputs"), inputs);
    meta.insert(QStringLiteral("settings"), settings);
    meta.insert(QStringLiteral("tool"), QStringLiteral("flopsfit-tokenize " FLOPSFIT_VERSION));
    meta.insert(QStringLiteral("seconds"), seconds);
    writeJsonAtomically(out.filePath(QStringLiteral("meta.json")), meta);
    progress.report("write", 1, 1, true);

    std::printf("done train_tokens=%lld val_tokens=%lld documents=%lld vocab_size=%d seconds=%.2f\n",
                static_cast<long long>(train.size()), static_cast<long long>(val.size()),
                static_cast<long long>(documents), vocabSize, seconds);
    std::fflush(stdout);
    say(QStringLiteral("wrote %1: %2 train + %3 validation tokens from %4 documents in %5 s")
            .arg(o.outDir).arg(train.size()).arg(val.size()).arg(documents).arg(seconds, 0, 'f', 1));
    return 0;
}

qint64 parseCount(const QString &text, const QString &option, double lo, double hi)
{
    bool ok = false;
    const double v = text.toDouble(&ok); // accepts 8e6
    if (!ok || v != std::floor(v) || v < lo || v > hi)
        throw InputError(QStringLiteral("--%1: '%2' is not a whole number in [%3, %4]").arg(option, text).arg(lo).arg(hi));
    return qint64(v);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("flopsfit-tokenize"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FLOPSFIT_VERSION));

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Trains a sentencepiece tokenizer on a corpus and encodes it into token shards:\n"
        "<out>/train.bin, val.bin, tokenizer.model, vocab.txt and meta.json.\n"
        "Inputs: plain text files (<|endoftext|> separates documents, else blank lines), JSON Lines\n"
        "with a \"text\" field (*.jsonl, *.ndjson), folders of either; or --builtin stories.\n"
        "Progress lines on stdout: 'progress stage=S done=N total=N', then 'done train_tokens=N …'."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("Output folder (created)."), QStringLiteral("DIR"));
    const QCommandLineOption builtinOption(QStringLiteral("builtin"), QStringLiteral("Use the built-in story generator as the corpus."));
    const QCommandLineOption tokensOption(QStringLiteral("tokens"), QStringLiteral("With --builtin: tokens to generate (train + validation)."), QStringLiteral("N"), QStringLiteral("20000000"));
    const QCommandLineOption seedOption(QStringLiteral("seed"), QStringLiteral("Seed of the generator, the sample and the split."), QStringLiteral("S"), QStringLiteral("0"));
    const QCommandLineOption vocabOption(QStringLiteral("vocab-size"), QStringLiteral("Tokenizer vocabulary size."), QStringLiteral("N"), QStringLiteral("4096"));
    const QCommandLineOption tokenizerOption(QStringLiteral("tokenizer"), QStringLiteral("bpe or unigram."), QStringLiteral("TYPE"), QStringLiteral("bpe"));
    const QCommandLineOption valOption(QStringLiteral("val-fraction"), QStringLiteral("Share of documents held out for validation."), QStringLiteral("F"), QStringLiteral("0.02"));
    const QCommandLineOption sampleOption(QStringLiteral("sample-docs"), QStringLiteral("Texts (documents, cut at line ends to at most 4 KiB) the tokenizer trains on; bounds memory."), QStringLiteral("N"), QStringLiteral("50000"));
    const QCommandLineOption threadsOption(QStringLiteral("threads"), QStringLiteral("Threads for tokenizer training and encoding (default: all cores)."), QStringLiteral("N"), QString::number(QThread::idealThreadCount()));
    const QCommandLineOption verboseOption(QStringLiteral("verbose"), QStringLiteral("Show sentencepiece's own log."));
    p.addOptions({outOption, builtinOption, tokensOption, seedOption, vocabOption, tokenizerOption, valOption, sampleOption, threadsOption, verboseOption});
    p.addPositionalArgument(QStringLiteral("inputs"), QStringLiteral("Text / JSONL files or folders."), QStringLiteral("[inputs…]"));

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    try {
        if (!p.parse(QCoreApplication::arguments()))
            throw InputError(p.errorText());
        if (p.isSet(QStringLiteral("help")) || p.isSet(QStringLiteral("h"))) {
            std::printf("%s", qPrintable(p.helpText()));
            return 0;
        }
        if (p.isSet(QStringLiteral("version"))) {
            std::printf("flopsfit-tokenize %s\n", FLOPSFIT_VERSION);
            return 0;
        }
        Options o;
        o.inputs = p.positionalArguments();
        o.builtin = p.isSet(builtinOption);
        if (!p.isSet(outOption))
            throw InputError(QStringLiteral("--out DIR is required (see --help)"));
        o.outDir = p.value(outOption);
        if (o.builtin && !o.inputs.isEmpty())
            throw InputError(QStringLiteral("give either --builtin or input files, not both"));
        if (!o.builtin && o.inputs.isEmpty())
            throw InputError(QStringLiteral("no input: give text / JSONL files or folders, or --builtin (see --help)"));
        o.tokens = parseCount(p.value(tokensOption), QStringLiteral("tokens"), 1000, 1e11);
        o.seed = quint64(parseCount(p.value(seedOption), QStringLiteral("seed"), 0, 9e15));
        o.vocabSize = parseCount(p.value(vocabOption), QStringLiteral("vocab-size"), 300, 1 << 22);
        o.tokenizer = p.value(tokenizerOption);
        if (o.tokenizer != QLatin1String("bpe") && o.tokenizer != QLatin1String("unigram"))
            throw InputError(QStringLiteral("--tokenizer: '%1' is not bpe or unigram").arg(o.tokenizer));
        bool ok = false;
        o.valFraction = p.value(valOption).toDouble(&ok);
        if (!ok || !(o.valFraction > 0 && o.valFraction < 0.5))
            throw InputError(QStringLiteral("--val-fraction: '%1' is not a number in (0, 0.5)").arg(p.value(valOption)));
        o.sampleDocuments = parseCount(p.value(sampleOption), QStringLiteral("sample-docs"), 10, 1e8);
        o.threads = int(parseCount(p.value(threadsOption), QStringLiteral("threads"), 1, 1024));
        o.verbose = p.isSet(verboseOption);
        return run(o);
    } catch (const InputError &e) {
        say(QStringLiteral("flopsfit-tokenize: error: %1").arg(e.message()));
        return 2;
    } catch (const Interrupted &) {
        say(QStringLiteral("flopsfit-tokenize: interrupted; the output folder is left without meta.json"));
        return 130;
    } catch (const std::exception &e) {
        say(QStringLiteral("flopsfit-tokenize: error: %1").arg(QString::fromLocal8Bit(e.what())));
        return 1;
    }
}
