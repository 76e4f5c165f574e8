#pragma once
// TempDir for unit tests: a fresh directory, removed when the test passed and kept
// (and named on stderr) when it failed, so that a failure can be inspected. Failed
// assertions are counted by one listener (temp_dir.cpp) for every test file.
#include <string>

namespace pipeline::test {

// Failed assertions so far in this test binary.
int failed_assertions();

class TempDir {
public:
  // `prefix` names the directory: /tmp/pipeline-PREFIX-XXXXXX.
  explicit TempDir(const std::string& prefix = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
  std::string m_path;
  int m_failures;
};

}  // namespace pipeline::test
