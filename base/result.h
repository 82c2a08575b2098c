// Errors as values. Library code returns Result<T>; the caller decides whether
// and how to log. An Error carries a sentence for humans and, when it came
// from a system call, the errno so callers can branch on it.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace fastinit {

struct Error {
    std::string message;
    int errno_value = 0;
};

// Builds an Error from a system call failure: "what: strerror(errno)".
Error system_error(std::string what, int errno_value = errno);

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Error error) : m_value(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(m_value); }
    const T& value() const& { return std::get<T>(m_value); }
    T&& value() && { return std::get<T>(std::move(m_value)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<Error>(m_value); }

  private:
    std::variant<T, Error> m_value;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const { return m_error; }

  private:
    Error m_error;
    bool m_ok = true;
};

inline Result<void> ok_result() {
    return {};
}

}  // namespace fastinit

// Propagates an error from an expression returning Result<...>.
#define FI_TRY(expr)                       \
    do {                                   \
        auto fi_try_result_ = (expr);      \
        if (!fi_try_result_.ok())          \
            return fi_try_result_.error(); \
    } while (0)
