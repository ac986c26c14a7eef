#pragma once
#include <QString>
#include <stdexcept>

namespace flopsfit {

// Raised for anything a user can fix: a malformed preset, plan or results file, an unknown
// override key, a value out of range. The message names the file (and key or line) and the
// problem; the batch CLI prints it and exits with status 2.
class InputError : public std::runtime_error {
public:
    explicit InputError(const QString &message) : std::runtime_error(message.toStdString()) {}
    QString message() const { return QString::fromStdString(what()); }
};

} // namespace flopsfit
