#pragma once
#include <QFile>
#include <QSaveFile>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace flopsfit {

// Token shards: data/train.bin and data/val.bin hold token ids as raw little-endian integers,
// uint16 when the vocabulary has at most 65536 entries, else uint32; data/meta.json names the
// dtype ("uint16" / "uint32"), the vocabulary size and the token counts.
enum class TokenDType { UInt16, UInt32 };
QString tokenDTypeName(TokenDType type);
// Throws InputError naming `origin` for anything but "uint16" / "uint32".
TokenDType parseTokenDType(const QString &name, const QString &origin);
TokenDType tokenDTypeForVocab(qint64 vocabSize);
int tokenDTypeBytes(TokenDType type);

// Memory-maps a shard read-only. Reading outside [0, size()) throws InputError.
class TokenShardReader {
public:
    // Throws InputError when the file is missing, unreadable, empty or not a whole number of
    // tokens long.
    TokenShardReader(const QString &path, TokenDType type);
    ~TokenShardReader();
    TokenShardReader(const TokenShardReader &) = delete;
    TokenShardReader &operator=(const TokenShardReader &) = delete;

    qint64 size() const { return m_count; }
    const QString &path() const { return m_path; }
    std::uint32_t at(qint64 index) const;
    // Copies tokens [start, start + count) into `out` as int64 (what torch's embedding takes).
    void read(qint64 start, qint64 count, std::int64_t *out) const;

private:
    QString m_path;
    TokenDType m_type;
    QFile m_file;
    const uchar *m_data = nullptr;
    qint64 m_count = 0;
};

// Writes a shard through a buffer; nothing appears at `path` until commit() (QSaveFile), so an
// interrupted tokenization never leaves a half shard behind. Throws InputError on write errors
// and on a token id that does not fit the dtype.
class TokenShardWriter {
public:
    TokenShardWriter(const QString &path, TokenDType type);
    void append(const std::uint32_t *ids, qint64 count);
    qint64 size() const { return m_count; }
    void commit();

private:
    void flushBuffer();

    QString m_path;
    TokenDType m_type;
    QSaveFile m_file;
    std::vector<char> m_buffer;
    qint64 m_count = 0;
};

} // namespace flopsfit
