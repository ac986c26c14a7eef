#include "data/CorpusReader.h"

#include "util/Error.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>

#include <algorithm>

namespace flopsfit {

namespace {

bool isJsonLinesName(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("jsonl") || suffix == QLatin1String("ndjson");
}

bool isCorpusFileName(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return isJsonLinesName(path) || suffix == QLatin1String("txt") || suffix == QLatin1String("text");
}

} // namespace

const QByteArray &CorpusReader::separator()
{
    static const QByteArray s("<|endoftext|>");
    return s;
}

CorpusReader::CorpusReader(const QStringList &inputs)
{
    if (inputs.isEmpty())
        throw InputError(QStringLiteral("no corpus input given"));
    for (const QString &input : inputs) {
        const QFileInfo info(input);
        if (!info.exists())
            throw InputError(QStringLiteral("%1: no such file or folder").arg(input));
        if (info.isDir()) {
            QStringList found;
            QDirIterator it(input, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                if (isCorpusFileName(path))
                    found.append(path);
            }
            std::sort(found.begin(), found.end());
            if (found.isEmpty())
                throw InputError(QStringLiteral("%1: the folder holds no .txt, .text, .jsonl or .ndjson files").arg(input));
            m_files += found;
        } else {
            m_files.append(input);
        }
    }
    for (const QString &path : m_files)
        m_totalBytes += QFileInfo(path).size();
}

CorpusReader::~CorpusReader() = default;

void CorpusReader::fail(const QString &problem) const
{
    const QString where = m_lineNumber > 0 ? QStringLiteral("%1:%2").arg(m_files.value(m_fileIndex)).arg(m_lineNumber)
                                           : m_files.value(m_fileIndex);
    throw InputError(QStringLiteral("%1: %2").arg(where, problem));
}

void CorpusReader::rewind()
{
    m_file.reset();
    m_fileIndex = -1;
    m_bytesDone = 0;
    m_documents = 0;
    m_carry.clear();
    m_pending.clear();
    m_hash.reset();
}

QByteArray CorpusReader::sha256Hex() const
{
    return m_hash.result().toHex();
}

bool CorpusReader::openNext()
{
    if (m_fileIndex + 1 >= m_files.size())
        return false;
    ++m_fileIndex;
    const QString path = m_files.at(m_fileIndex);
    m_lineNumber = 0;
    m_fileDocuments = 0;
    m_carry.clear();
    m_pending.clear();
    m_buffer.clear();
    m_bufferPos = 0;
    m_fileConsumed = 0;
    m_file = std::make_unique<QFile>(path);
    if (!m_file->open(QIODevice::ReadOnly))
        fail(QStringLiteral("cannot read: %1").arg(m_file->errorString()));
    if (m_file->size() == 0)
        fail(QStringLiteral("the file is empty"));
    const QByteArray head = m_file->peek(1 << 20);
    const QByteArray start = head.left(64 << 10);
    if (start.contains('\0'))
        fail(QStringLiteral("looks like a binary file (it contains NUL bytes), not UTF-8 text"));
    QStringDecoder decoder(QStringDecoder::Utf8);
    // Cut at a line end so a character split by the block boundary is not taken for an error.
    const int lastNewline = start.lastIndexOf('\n');
    const QString decoded = decoder.decode(lastNewline > 0 && start.size() == (64 << 10) ? start.left(lastNewline) : start);
    if (decoder.hasError())
        fail(QStringLiteral("looks like a binary file (it is not valid UTF-8 text)"));
    if (head.startsWith("\xEF\xBB\xBF")) { // a UTF-8 byte order mark is not text
        m_hash.addData(m_file->read(3));
        m_fileConsumed = 3;
    }
    m_jsonLines = isJsonLinesName(path);
    m_separated = !m_jsonLines && head.contains(separator());
    return true;
}

bool CorpusReader::atFileEnd() const
{
    return m_bufferPos >= m_buffer.size() && m_file->atEnd();
}

QByteArray CorpusReader::readLine()
{
    // Own buffering: QIODevice::readLine(maxSize) allocates maxSize bytes for every line.
    constexpr qint64 kBlock = 1 << 20;
    qint64 searchFrom = m_bufferPos;
    for (;;) {
        const qint64 newline = m_buffer.indexOf('\n', searchFrom);
        qint64 end = -1;
        if (newline >= 0)
            end = newline + 1;
        else if (m_buffer.size() - m_bufferPos >= kMaxDocumentBytes)
            end = m_bufferPos + kMaxDocumentBytes; // a giant line: cut
        else if (m_file->atEnd())
            end = m_buffer.size();
        if (end >= 0) {
            QByteArray line = m_buffer.mid(m_bufferPos, end - m_bufferPos);
            m_bufferPos = end;
            m_fileConsumed += line.size();
            ++m_lineNumber;
            m_hash.addData(line);
            if (line.contains('\0'))
                fail(QStringLiteral("looks like a binary file (it contains NUL bytes), not UTF-8 text"));
            return line;
        }
        // Need more: drop what was consumed, append a block.
        m_buffer.remove(0, m_bufferPos);
        searchFrom = m_buffer.size();
        m_bufferPos = 0;
        const QByteArray block = m_file->read(kBlock);
        if (block.isEmpty() && !m_file->atEnd())
            fail(QStringLiteral("cannot read: %1").arg(m_file->errorString()));
        m_buffer += block;
    }
}

bool CorpusReader::finishDocument(QByteArray *document)
{
    QByteArray text = m_pending.trimmed();
    m_pending.clear();
    if (text.isEmpty())
        return false;
    *document = std::move(text);
    ++m_documents;
    ++m_fileDocuments;
    return true;
}

bool CorpusReader::nextFromJsonLines(QByteArray *document)
{
    while (!atFileEnd()) {
        const QByteArray line = readLine();
        if (line.trimmed().isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument json = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError)
            fail(QStringLiteral("not a JSON line: %1").arg(error.errorString()));
        const QJsonValue text = json.object().value(QStringLiteral("text"));
        if (!json.isObject() || !text.isString())
            fail(QStringLiteral("the line is not a JSON object with a \"text\" string"));
        m_pending = text.toString().toUtf8();
        if (finishDocument(document))
            return true;
    }
    return false;
}

bool CorpusReader::nextFromText(QByteArray *document)
{
    for (;;) {
        QByteArray line;
        if (!m_carry.isEmpty()) {
            line = std::move(m_carry);
            m_carry.clear();
        } else if (!atFileEnd()) {
            line = readLine();
        } else {
            return finishDocument(document); // the last document of the file, if any
        }
        if (m_separated) {
            const int at = line.indexOf(separator());
            if (at >= 0) {
                m_pending += line.left(at);
                m_carry = line.mid(at + separator().size());
                if (finishDocument(document))
                    return true;
                continue;
            }
            m_pending += line;
        } else if (line.trimmed().isEmpty()) {
            if (finishDocument(document))
                return true;
            continue;
        } else {
            m_pending += line;
        }
        if (m_pending.size() >= kMaxDocumentBytes && finishDocument(document))
            return true;
    }
}

bool CorpusReader::next(QByteArray *document)
{
    for (;;) {
        if (!m_file && !openNext())
            return false;
        if (m_jsonLines ? nextFromJsonLines(document) : nextFromText(document))
            return true;
        if (m_fileDocuments == 0) {
            m_lineNumber = 0;
            fail(QStringLiteral("no text in the file (only blank lines or separators)"));
        }
        m_bytesDone += m_file->size();
        m_file.reset();
    }
}

} // namespace flopsfit
