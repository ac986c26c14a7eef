#pragma once
#include <QByteArray>
#include <QCryptographicHash>
#include <QFile>
#include <QString>
#include <QStringList>

#include <memory>

namespace flopsfit {

// Streams the documents of a text corpus, one at a time, with bounded memory.
//
// Inputs are files or folders. A folder contributes every *.txt, *.text, *.jsonl and *.ndjson
// file below it (recursively, hidden entries skipped), sorted by path. A file named *.jsonl or
// *.ndjson is JSON Lines: each non-blank line is an object whose "text" string is a document.
// Any other file is plain UTF-8 text: when it contains the `<|endoftext|>` separator of the
// TinyStories release files (looked for in its first MiB) documents are the stretches between
// separators, otherwise the paragraphs between blank lines. Documents are trimmed; empty ones
// are skipped. A document longer than kMaxDocumentBytes is cut at line ends into several.
//
// Errors name the file (and line): a missing or unreadable input, a binary file (NUL bytes or
// invalid UTF-8 at its start), a malformed JSON line, a file with no text at all.
class CorpusReader {
public:
    static constexpr qint64 kMaxDocumentBytes = 16 << 20;
    static const QByteArray &separator(); // "<|endoftext|>"

    // Expands folders and checks that every input exists; throws InputError otherwise.
    explicit CorpusReader(const QStringList &inputs);
    ~CorpusReader();

    const QStringList &files() const { return m_files; }
    qint64 totalBytes() const { return m_totalBytes; }

    // The next document (UTF-8), or false at the end of the corpus. Throws InputError.
    bool next(QByteArray *document);

    qint64 bytesRead() const { return m_bytesDone + (m_file ? m_fileConsumed : 0); }
    qint64 documentsRead() const { return m_documents; }
    // SHA-256 of every byte read so far, files in order; complete once next() returned false.
    QByteArray sha256Hex() const;

    // Starts again from the first file.
    void rewind();

private:
    bool openNext();
    bool nextFromJsonLines(QByteArray *document);
    bool nextFromText(QByteArray *document);
    bool finishDocument(QByteArray *document);
    [[noreturn]] void fail(const QString &problem) const;
    QByteArray readLine();
    bool atFileEnd() const;

    QStringList m_files;
    qint64 m_totalBytes = 0;
    int m_fileIndex = -1;
    std::unique_ptr<QFile> m_file;
    bool m_jsonLines = false;
    bool m_separated = false;
    qint64 m_lineNumber = 0;
    qint64 m_fileDocuments = 0;
    qint64 m_bytesDone = 0;
    qint64 m_documents = 0;
    QByteArray m_carry;   // text after a separator on the same line
    QByteArray m_pending; // the document being read
    QByteArray m_buffer;  // read ahead from m_file
    qint64 m_bufferPos = 0;
    qint64 m_fileConsumed = 0;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
};

} // namespace flopsfit
