#pragma once
// A value or the reason there is none (GCC 12 has no std::expected in C++20).

#include <utility>
#include <variant>

namespace pipeline {

template <typename E>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}

template <typename T, typename E>
class Expected {
public:
  Expected(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
  template <typename U>
  Expected(Unexpected<U> u) : m_v(std::in_place_index<1>, E(std::move(u.error))) {}

  bool has_value() const { return m_v.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(m_v); }
  const T& value() const { return std::get<0>(m_v); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(m_v); }

private:
  std::variant<T, E> m_v;
};

}  // namespace pipeline
