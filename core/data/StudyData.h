#pragma once
#include "data/TokenShards.h"

#include <QJsonObject>
#include <QString>

#include <atomic>
#include <functional>

namespace flopsfit {

class StudyPaths;
struct SweepSpec;

// data/meta.json, written last by flopsfit-tokenize (so its presence means the folder is whole).
struct DataMeta {
    int schemaVersion = 0;
    TokenDType dtype = TokenDType::UInt16;
    qint64 vocabSize = 0;  // pieces actually in the tokenizer (≤ the requested size)
    qint64 trainTokens = 0;
    qint64 valTokens = 0;
    qint64 documents = 0;
    double valFraction = 0;
    QString tokenizer;     // "bpe" | "unigram"
    qint64 unkId = -1;
    qint64 eosId = -1;     // ends every document in the shards
    QString source;        // "builtin" | "file"
    QString sourceDescription;
    QString sourceSha256;  // of the input bytes, or of the generator settings
    QJsonObject settings;  // the tool's settings, compared by ensureStudyData()
    QJsonObject json;      // the whole file
};

// Reads and validates meta.json; throws InputError naming the file and the key on anything
// missing, of the wrong type or out of range.
DataMeta readDataMeta(const QString &metaPath);

// The settings object flopsfit-tokenize records for a sweep's `data` section (source, path,
// vocab_size, tokenizer, tokens, val_fraction, seed). Throws InputError on a bad data section.
QJsonObject dataSettingsFor(const SweepSpec &spec);

// Where flopsfit-tokenize is: $FLOPSFIT_TOKENIZE, else next to the running executable.
QString tokenizeExecutable();

// Makes <study>/data/ hold the tokenized corpus the plan's `data` section asks for, running
// flopsfit-tokenize as a child process (it cannot share a process with torch) and reporting its
// progress lines as (stage, done, total). Does nothing when data/meta.json already records the
// same settings and the shards have the recorded sizes. Returns false when `cancel` was set (the
// child is stopped, nothing half-written is left as complete); throws InputError with the tool's
// message when it fails.
bool ensureStudyData(const StudyPaths &paths, const SweepSpec &spec,
                     const std::function<void(const QString &stage, qint64 done, qint64 total)> &progress,
                     const std::atomic<bool> *cancel = nullptr);

} // namespace flopsfit
