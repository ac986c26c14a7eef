#include "util/Json.h"

#include "util/Error.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringList>

namespace flopsfit {

QByteArray stripJsonComments(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size());
    bool inString = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (inString) {
            out.append(c);
            if (c == '\\' && i + 1 < text.size()) {
                out.append(next);
                ++i;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
            out.append(c);
        } else if (c == '/' && next == '/') {
            while (i < text.size() && text[i] != '\n')
                ++i;
            if (i < text.size())
                out.append('\n');
        } else if (c == '/' && next == '*') {
            i += 2;
            while (i + 1 < text.size() && !(text[i] == '*' && text[i + 1] == '/')) {
                if (text[i] == '\n')
                    out.append('\n');
                ++i;
            }
            ++i;
        } else {
            out.append(c);
        }
    }
    return out;
}

static void lineAndColumn(const QByteArray &text, qsizetype offset, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (qsizetype i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

QJsonObject parseJsonObject(const QByteArray &bytes, const QString &origin)
{
    const QByteArray clean = stripJsonComments(bytes);
    if (clean.trimmed().isEmpty())
        throw InputError(QStringLiteral("%1: the file is empty").arg(origin));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(clean, &error);
    if (error.error != QJsonParseError::NoError) {
        int line = 0, column = 0;
        lineAndColumn(clean, error.offset, &line, &column);
        throw InputError(QStringLiteral("%1:%2:%3: invalid JSON: %4")
                             .arg(origin)
                             .arg(line)
                             .arg(column)
                             .arg(error.errorString()));
    }
    if (!doc.isObject())
        throw InputError(QStringLiteral("%1: expected a JSON object at the top level").arg(origin));
    return doc.object();
}

QJsonObject readJsonObjectFile(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        throw InputError(QStringLiteral("%1: no such file").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        throw InputError(QStringLiteral("%1: cannot read: %2").arg(path, file.errorString()));
    return parseJsonObject(file.readAll(), path);
}

void checkSchemaVersion(const QJsonObject &object, const QString &origin)
{
    const QJsonValue v = object.value(QStringLiteral("schema_version"));
    if (v.isUndefined())
        return;
    if (!v.isDouble() || v.toDouble() < 1)
        throw InputError(QStringLiteral("%1: schema_version must be a positive integer").arg(origin));
    if (v.toInt() > kSchemaVersion)
        throw InputError(QStringLiteral("%1: schema_version %2 is newer than this flopsfit reads (%3)")
                             .arg(origin)
                             .arg(v.toInt())
                             .arg(kSchemaVersion));
}

bool hasPath(const QJsonObject &root, const QString &dottedKey)
{
    const QStringList parts = dottedKey.split(QLatin1Char('.'));
    QJsonObject node = root;
    for (int i = 0; i < parts.size(); ++i) {
        if (!node.contains(parts[i]))
            return false;
        if (i + 1 < parts.size()) {
            const QJsonValue v = node.value(parts[i]);
            if (!v.isObject())
                return false;
            node = v.toObject();
        }
    }
    return true;
}

QJsonValue valueAtPath(const QJsonObject &root, const QString &dottedKey)
{
    const QStringList parts = dottedKey.split(QLatin1Char('.'));
    QJsonValue node = root;
    for (const QString &part : parts) {
        if (!node.isObject())
            return QJsonValue(QJsonValue::Undefined);
        node = node.toObject().value(part);
    }
    return node;
}

static void setPathParts(QJsonObject &node, const QStringList &parts, int index,
                         const QJsonValue &value)
{
    if (index == parts.size() - 1) {
        node.insert(parts[index], value);
        return;
    }
    QJsonObject child = node.value(parts[index]).toObject();
    setPathParts(child, parts, index + 1, value);
    node.insert(parts[index], child);
}

void setPath(QJsonObject &root, const QString &dottedKey, const QJsonValue &value)
{
    setPathParts(root, dottedKey.split(QLatin1Char('.')), 0, value);
}

} // namespace flopsfit
