#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace flopsfit {

// Current version of every artifact flops-fit writes; readers refuse newer ones.
constexpr int kSchemaVersion = 1;

// Throws InputError when `object` carries a schema_version newer than this build reads.
void checkSchemaVersion(const QJsonObject &object, const QString &origin);

// Removes // and /* */ comments outside strings, so presets can document every knob inline.
// Line structure is preserved, so parse errors still point at the right line.
QByteArray stripJsonComments(const QByteArray &text);

// Reads a JSON (or commented JSON) file whose top level is an object.
// Throws InputError naming the file, the line and column, and the problem.
QJsonObject readJsonObjectFile(const QString &path);

// Parses a JSON object from bytes; `origin` names the source in error messages.
QJsonObject parseJsonObject(const QByteArray &bytes, const QString &origin);

// Dotted-path access into nested objects ("compute.min_flops").
bool hasPath(const QJsonObject &root, const QString &dottedKey);
QJsonValue valueAtPath(const QJsonObject &root, const QString &dottedKey);
void setPath(QJsonObject &root, const QString &dottedKey, const QJsonValue &value);

} // namespace flopsfit
