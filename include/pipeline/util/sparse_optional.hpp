#pragma once
// SparseOptional<T>: std::optional's interface with the value on the heap, so an
// empty one takes one pointer. For the fields that a task rarely sets (`dir`,
// `stdout`, `stderr`, `container`): in a generated file of 100,000 tasks, four
// std::optional<LocatedString> of 48 bytes each were 19 MB of nothing.
#include <memory>
#include <optional>
#include <utility>

namespace pipeline {

template <class T>
class SparseOptional {
public:
  SparseOptional() = default;
  SparseOptional(std::nullopt_t) {}
  SparseOptional(T value) : m_value(std::make_unique<T>(std::move(value))) {}
  SparseOptional(const SparseOptional& other)
      : m_value(other ? std::make_unique<T>(*other) : nullptr) {}
  SparseOptional(SparseOptional&&) noexcept = default;
  SparseOptional& operator=(const SparseOptional& other) {
    if (this != &other) m_value = other ? std::make_unique<T>(*other) : nullptr;
    return *this;
  }
  SparseOptional& operator=(SparseOptional&&) noexcept = default;
  SparseOptional& operator=(T value) {
    m_value = std::make_unique<T>(std::move(value));
    return *this;
  }
  SparseOptional& operator=(std::nullopt_t) {
    m_value.reset();
    return *this;
  }

  bool has_value() const { return m_value != nullptr; }
  explicit operator bool() const { return has_value(); }
  const T& operator*() const { return *m_value; }
  T& operator*() { return *m_value; }
  const T* operator->() const { return m_value.get(); }
  T* operator->() { return m_value.get(); }
  const T& value() const {
    if (!m_value) throw std::bad_optional_access();
    return *m_value;
  }
  template <class... Args>
  T& emplace(Args&&... args) {
    m_value = std::make_unique<T>(std::forward<Args>(args)...);
    return *m_value;
  }
  void reset() { m_value.reset(); }

  friend bool operator==(const SparseOptional& a, const SparseOptional& b) {
    if (!a || !b) return !a && !b;
    return *a == *b;
  }
  friend bool operator==(const SparseOptional& a, std::nullopt_t) { return !a; }

private:
  std::unique_ptr<T> m_value;
};

}  // namespace pipeline
