#include "data/Vocabulary.h"

#include "util/Error.h"

#include <QFile>

namespace flopsfit {

namespace {

QByteArray pieceToBytes(const QByteArray &piece)
{
    static const QByteArray space("\xE2\x96\x81"); // U+2581
    if (piece.size() == 6 && piece.startsWith("<0x") && piece.endsWith('>')) {
        bool ok = false;
        const int byte = piece.mid(3, 2).toInt(&ok, 16);
        if (ok)
            return QByteArray(1, char(byte));
    }
    QByteArray bytes = piece;
    bytes.replace(space, " ");
    return bytes;
}

} // namespace

Vocabulary Vocabulary::load(const QString &path, qint64 unkId, qint64 eosId)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw InputError(QStringLiteral("%1: cannot read the vocabulary: %2").arg(path, file.errorString()));
    Vocabulary v;
    v.m_path = path;
    v.m_unkId = unkId;
    v.m_eosId = eosId;
    while (!file.atEnd()) {
        QByteArray line = file.readLine();
        if (line.endsWith('\n'))
            line.chop(1);
        v.m_pieces.append(pieceToBytes(line));
    }
    if (v.m_pieces.isEmpty())
        throw InputError(QStringLiteral("%1: the vocabulary is empty").arg(path));
    if (unkId >= v.size() || eosId >= v.size())
        throw InputError(QStringLiteral("%1: the vocabulary has %2 pieces, fewer than its control ids need").arg(path).arg(v.size()));
    if (unkId >= 0)
        v.m_pieces[unkId] = QByteArray("\xE2\x81\x87"); // ⁇
    if (eosId >= 0)
        v.m_pieces[eosId].clear();
    return v;
}

QByteArray Vocabulary::pieceBytes(std::uint32_t id) const
{
    if (qint64(id) >= size())
        throw InputError(QStringLiteral("%1: token id %2 is outside the vocabulary (%3 pieces)").arg(m_path).arg(id).arg(size()));
    return m_pieces.at(int(id));
}

QString Vocabulary::decode(const std::uint32_t *ids, qint64 count, const QString &documentSeparator) const
{
    QByteArray bytes;
    QString text;
    bool documentStart = true;
    for (qint64 i = 0; i < count; ++i) {
        if (qint64(ids[i]) == m_eosId) {
            text += QString::fromUtf8(bytes);
            bytes.clear();
            text += documentSeparator;
            documentStart = true;
            continue;
        }
        const QByteArray piece = pieceBytes(ids[i]);
        if (documentStart && piece.startsWith(' '))
            bytes += piece.mid(1);
        else
            bytes += piece;
        documentStart = documentStart && piece.isEmpty();
    }
    text += QString::fromUtf8(bytes);
    return text;
}

} // namespace flopsfit
