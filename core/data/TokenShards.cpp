#include "data/TokenShards.h"

#include "util/Error.h"

#include <QDir>
#include <QFileInfo>
#include <QtEndian>

#include <cstring>

namespace flopsfit {

QString tokenDTypeName(TokenDType type)
{
    return type == TokenDType::UInt16 ? QStringLiteral("uint16") : QStringLiteral("uint32");
}

TokenDType parseTokenDType(const QString &name, const QString &origin)
{
    if (name == QLatin1String("uint16"))
        return TokenDType::UInt16;
    if (name == QLatin1String("uint32"))
        return TokenDType::UInt32;
    throw InputError(QStringLiteral("%1: token dtype '%2' is not uint16 or uint32").arg(origin, name));
}

TokenDType tokenDTypeForVocab(qint64 vocabSize)
{
    return vocabSize <= 65536 ? TokenDType::UInt16 : TokenDType::UInt32;
}

int tokenDTypeBytes(TokenDType type)
{
    return type == TokenDType::UInt16 ? 2 : 4;
}

TokenShardReader::TokenShardReader(const QString &path, TokenDType type)
    : m_path(path), m_type(type), m_file(path)
{
    if (!m_file.exists())
        throw InputError(QStringLiteral("%1: no such token shard").arg(path));
    if (!m_file.open(QIODevice::ReadOnly))
        throw InputError(QStringLiteral("%1: cannot read: %2").arg(path, m_file.errorString()));
    const qint64 bytes = m_file.size();
    const int width = tokenDTypeBytes(type);
    if (bytes == 0)
        throw InputError(QStringLiteral("%1: the token shard is empty").arg(path));
    if (bytes % width != 0)
        throw InputError(QStringLiteral("%1: %2 bytes is not a whole number of %3 tokens (truncated?)")
                             .arg(path)
                             .arg(bytes)
                             .arg(tokenDTypeName(type)));
    m_data = m_file.map(0, bytes);
    if (!m_data)
        throw InputError(QStringLiteral("%1: cannot memory-map: %2").arg(path, m_file.errorString()));
    m_count = bytes / width;
}

TokenShardReader::~TokenShardReader()
{
    if (m_data)
        m_file.unmap(const_cast<uchar *>(m_data));
}

std::uint32_t TokenShardReader::at(qint64 index) const
{
    if (index < 0 || index >= m_count)
        throw InputError(QStringLiteral("%1: token %2 is outside the shard (%3 tokens)")
                             .arg(m_path)
                             .arg(index)
                             .arg(m_count));
    if (m_type == TokenDType::UInt16)
        return qFromLittleEndian<quint16>(m_data + 2 * index);
    return qFromLittleEndian<quint32>(m_data + 4 * index);
}

void TokenShardReader::read(qint64 start, qint64 count, std::int64_t *out) const
{
    if (start < 0 || count < 0 || start + count > m_count)
        throw InputError(QStringLiteral("%1: tokens [%2, %3) are outside the shard (%4 tokens)")
                             .arg(m_path)
                             .arg(start)
                             .arg(start + count)
                             .arg(m_count));
    if (m_type == TokenDType::UInt16) {
        const uchar *p = m_data + 2 * start;
        for (qint64 i = 0; i < count; ++i)
            out[i] = qFromLittleEndian<quint16>(p + 2 * i);
    } else {
        const uchar *p = m_data + 4 * start;
        for (qint64 i = 0; i < count; ++i)
            out[i] = qFromLittleEndian<quint32>(p + 4 * i);
    }
}

TokenShardWriter::TokenShardWriter(const QString &path, TokenDType type)
    : m_path(path), m_type(type), m_file(path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (!m_file.open(QIODevice::WriteOnly))
        throw InputError(QStringLiteral("%1: cannot write: %2").arg(path, m_file.errorString()));
    m_buffer.reserve(1 << 20);
}

void TokenShardWriter::append(const std::uint32_t *ids, qint64 count)
{
    const int width = tokenDTypeBytes(m_type);
    for (qint64 i = 0; i < count; ++i) {
        if (m_type == TokenDType::UInt16 && ids[i] > 0xFFFF)
            throw InputError(QStringLiteral("%1: token id %2 does not fit uint16").arg(m_path).arg(ids[i]));
        char bytes[4];
        if (m_type == TokenDType::UInt16)
            qToLittleEndian<quint16>(quint16(ids[i]), bytes);
        else
            qToLittleEndian<quint32>(ids[i], bytes);
        m_buffer.insert(m_buffer.end(), bytes, bytes + width);
    }
    m_count += count;
    if (m_buffer.size() >= (1u << 20))
        flushBuffer();
}

void TokenShardWriter::flushBuffer()
{
    if (m_buffer.empty())
        return;
    if (m_file.write(m_buffer.data(), qint64(m_buffer.size())) != qint64(m_buffer.size()))
        throw InputError(QStringLiteral("%1: cannot write: %2").arg(m_path, m_file.errorString()));
    m_buffer.clear();
}

void TokenShardWriter::commit()
{
    flushBuffer();
    if (!m_file.commit())
        throw InputError(QStringLiteral("%1: cannot write: %2").arg(m_path, m_file.errorString()));
}

} // namespace flopsfit
