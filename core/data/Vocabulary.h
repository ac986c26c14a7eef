#pragma once
#include <QByteArray>
#include <QString>
#include <QVector>

#include <cstdint>

namespace flopsfit {

// A tokenizer's pieces as written to data/vocab.txt by flopsfit-tokenize: one piece per line,
// the id is the line number (from 0). Decoding needs no sentencepiece:
//   "▁" (U+2581) stands for a space; "<0xHH>" is the raw byte HH (byte fallback, and the newline
//   piece, written as <0x0A>); the unknown piece decodes to "⁇" and the end-of-document piece
//   ends a document. sentencepiece puts a space in front of every document (its "dummy prefix"),
//   which decode() drops again.
class Vocabulary {
public:
    // Reads vocab.txt; `unkId` and `eosId` come from meta.json (-1: none). Throws InputError.
    static Vocabulary load(const QString &path, qint64 unkId, qint64 eosId);

    qint64 size() const { return m_pieces.size(); }
    qint64 eosId() const { return m_eosId; }
    // The UTF-8 bytes a piece stands for (control pieces: empty).
    QByteArray pieceBytes(std::uint32_t id) const;

    // Decodes a run of ids; an end-of-document id is written as `documentSeparator`.
    // Throws InputError for an id outside the vocabulary.
    QString decode(const std::uint32_t *ids, qint64 count,
                   const QString &documentSeparator = QStringLiteral("<|endoftext|>")) const;

private:
    QString m_path;
    QVector<QByteArray> m_pieces; // already decoded to bytes
    qint64 m_unkId = -1;
    qint64 m_eosId = -1;
};

} // namespace flopsfit
