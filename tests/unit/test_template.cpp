// Unit tests of template: parsing placeholders and expanding them (SPEC §1.2).

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "pipeline/template.hpp"

using namespace pipeline;

namespace {

using Values = std::map<std::string, PlaceholderValue>;

PlaceholderValue file_list(std::vector<std::string> items) {
  return PlaceholderValue{std::move(items), true, PlaceholderValue::Origin::file};
}
PlaceholderValue file_value(std::string item) {
  return PlaceholderValue{{std::move(item)}, false, PlaceholderValue::Origin::file};
}
PlaceholderValue author_value(std::string item) {
  return PlaceholderValue{{std::move(item)}, false, PlaceholderValue::Origin::author};
}
PlaceholderValue author_list(std::vector<std::string> items) {
  return PlaceholderValue{std::move(items), true, PlaceholderValue::Origin::author};
}

// Looks a placeholder up by its name; `{inputs[N]}` picks an item.
PlaceholderLookup lookup_in(const Values& values) {
  return [&values](const TemplatePart& part) {
    auto it = values.find(part.text);
    if (it == values.end()) {
      throw undefined_placeholder(part);
    }
    if (part.index >= 0) {
      return file_value(it->second.items.at(static_cast<std::size_t>(part.index)));
    }
    return it->second;
  };
}

// The words /bin/sh makes of `command_text` when it runs `printf '%s\n' COMMAND_TEXT`.
std::vector<std::string> shell_words(const std::string& command_text) {
  const std::string command = "printf '%s\\n' " + command_text;
  const std::string invocation = "/bin/sh -c " + shell_quote(command);
  std::FILE* pipe = ::popen(invocation.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[256];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    output.append(buffer, n);
  }
  REQUIRE(::pclose(pipe) == 0);
  std::vector<std::string> words;
  std::size_t start = 0;
  for (std::size_t nl = output.find('\n'); nl != std::string::npos; nl = output.find('\n', start)) {
    words.push_back(output.substr(start, nl - start));
    start = nl + 1;
  }
  return words;
}

}  // namespace

TEST_CASE("parse_template splits placeholders from literal text", "[template]") {
  SECTION("a plain name") {
    const Template t = parse_template("cat {input} > x");
    REQUIRE(t.parts.size() == 3);
    CHECK(t.parts[0].kind == TemplatePart::Kind::literal);
    CHECK(t.parts[0].text == "cat ");
    CHECK(t.parts[1].kind == TemplatePart::Kind::placeholder);
    CHECK(t.parts[1].text == "input");
    CHECK(t.parts[1].offset == 4);
    CHECK(t.parts[1].length == 7);
    CHECK(t.parts[2].text == " > x");
    CHECK(t.parts[2].offset == 11);
    CHECK(t.has_placeholders());
    CHECK_FALSE(t.is_single_placeholder());
  }
  SECTION("a member") {
    const Template t = parse_template("{inputs.table}");
    REQUIRE(t.is_single_placeholder());
    CHECK(t.parts[0].text == "inputs");
    CHECK(t.parts[0].member == "table");
    CHECK(t.parts[0].index == -1);
  }
  SECTION("an index") {
    const Template t = parse_template("{outputs[12]}");
    REQUIRE(t.is_single_placeholder());
    CHECK(t.parts[0].text == "outputs");
    CHECK(t.parts[0].index == 12);
  }
  SECTION("a regex with nested braces") {
    const Template t = parse_template("raw/{id:[0-9]{4}}.bz2");
    REQUIRE(t.parts.size() == 3);
    CHECK(t.parts[1].text == "id");
    CHECK(t.parts[1].has_regex);
    CHECK(t.parts[1].regex == "[0-9]{4}");
    CHECK(t.parts[1].offset == 4);
    CHECK(t.parts[1].length == 13);
    CHECK(t.parts[2].text == ".bz2");
  }
  SECTION("a regex spanning directories") {
    const Template t = parse_template("{path:.+}");
    REQUIRE(t.is_single_placeholder());
    CHECK(t.parts[0].regex == ".+");
  }
}

TEST_CASE("parse_template leaves text that is not a placeholder literal", "[template]") {
  auto literal = [](std::string_view text) {
    const Template t = parse_template(text);
    REQUIRE(t.parts.size() == 1);
    CHECK(t.parts[0].kind == TemplatePart::Kind::literal);
    CHECK(t.parts[0].offset == 0);
    CHECK(t.parts[0].length == text.size());
    return t.parts[0].text;
  };
  SECTION("doubled braces") { CHECK(literal("awk '{{print}}'") == "awk '{print}'"); }
  SECTION("a brace right after $") { CHECK(literal("echo ${HOME}") == "echo ${HOME}"); }
  SECTION("$ before doubled braces") { CHECK(literal("echo ${{HOME}}") == "echo ${HOME}"); }
  SECTION("awk program") { CHECK(literal("awk '{print $1}'") == "awk '{print $1}'"); }
  SECTION("brace expansion") { CHECK(literal("cp x.{a,b} y") == "cp x.{a,b} y"); }
  SECTION("spaces inside") { CHECK(literal("{ x }") == "{ x }"); }
  SECTION("a lone brace") { CHECK(literal("a { b") == "a { b"); }
  SECTION("a lone closing brace") { CHECK(literal("a } b") == "a } b"); }
  SECTION("unterminated") { CHECK(literal("x {name") == "x {name"); }
  SECTION("unterminated regex") { CHECK(literal("{id:[0-9]{4}") == "{id:[0-9]{4}"); }
  SECTION("a name starting with a digit") { CHECK(literal("{1}") == "{1}"); }
}

TEST_CASE("expand_list gives one argv element per list item", "[template]") {
  const Values values = {{"inputs", file_list({"a", "b c", "d"})},
                         {"output", file_value("out file")},
                         {"none", file_list({})}};
  const auto lookup = lookup_in(values);
  SECTION("an element that is exactly a list placeholder") {
    CHECK(expand_list(parse_template("{inputs}"), lookup) ==
          std::vector<std::string>{"a", "b c", "d"});
  }
  SECTION("an empty list gives no element") {
    CHECK(expand_list(parse_template("{none}"), lookup).empty());
  }
  SECTION("a list inside a longer element is joined") {
    CHECK(expand_list(parse_template("--in={inputs}"), lookup) ==
          std::vector<std::string>{"--in=a b c d"});
  }
  SECTION("a single value is never split") {
    CHECK(expand_list(parse_template("{output}"), lookup) == std::vector<std::string>{"out file"});
  }
  SECTION("an argv command") {
    std::vector<std::string> argv;
    for (const char* element : {"cat", "{inputs}"}) {
      for (std::string& s : expand_list(parse_template(element), lookup)) {
        argv.push_back(std::move(s));
      }
    }
    CHECK(argv == std::vector<std::string>{"cat", "a", "b c", "d"});
  }
}

TEST_CASE("expand_text joins lists and quotes nothing", "[template]") {
  const Values values = {{"raw", author_value("data/raw")}, {"inputs", file_list({"a b", "c"})}};
  CHECK(expand_text(parse_template("{raw}/x {inputs} {{y}}"), lookup_in(values)) ==
        "data/raw/x a b c {y}");
}

TEST_CASE("expand_shell quotes values that come from files", "[template]") {
  SECTION("a hostile file name stays one argument") {
    const Values values = {{"input", file_value("a b;echo PWNED")}};
    const std::string text = expand_shell(parse_template("{input}"), lookup_in(values));
    CHECK(text == "'a b;echo PWNED'");
    CHECK(shell_words(text) == std::vector<std::string>{"a b;echo PWNED"});
  }
  SECTION("a quote inside a file name") {
    const Values values = {{"input", file_value("it's")}};
    const std::string text = expand_shell(parse_template("{input}"), lookup_in(values));
    CHECK(text == "'it'\\''s'");
    CHECK(shell_words(text) == std::vector<std::string>{"it's"});
  }
  SECTION("a list of files is quoted item by item") {
    const Values values = {{"inputs", file_list({"x", "a b", "$(id)"})}};
    const std::string text = expand_shell(parse_template("{inputs}"), lookup_in(values));
    CHECK(text == "x 'a b' '$(id)'");
    CHECK(shell_words(text) == std::vector<std::string>{"x", "a b", "$(id)"});
  }
  SECTION("a string var is inserted as written") {
    const Values values = {{"cflags", author_value("-O2 -g")}};
    const std::string text = expand_shell(parse_template("{cflags}"), lookup_in(values));
    CHECK(text == "-O2 -g");
    CHECK(shell_words(text) == std::vector<std::string>{"-O2", "-g"});
  }
  SECTION("an array var is quoted item by item") {
    const Values values = {{"flags", author_list({"-D", "NAME=a b"})}};
    const std::string text = expand_shell(parse_template("{flags}"), lookup_in(values));
    CHECK(text == "-D 'NAME=a b'");
    CHECK(shell_words(text) == std::vector<std::string>{"-D", "NAME=a b"});
  }
  SECTION("shell syntax around placeholders is kept") {
    const Values values = {{"input", file_value("in")}};
    CHECK(expand_shell(parse_template("awk '{print $1}' {input} > ${HOME}/x"), lookup_in(values)) ==
          "awk '{print $1}' in > ${HOME}/x");
  }
}

TEST_CASE("shell_quote keeps safe words and quotes the rest", "[template]") {
  SECTION("safe") { CHECK(shell_quote("out/a-b_c.d,e=f:g@h%i+j") == "out/a-b_c.d,e=f:g@h%i+j"); }
  SECTION("empty") { CHECK(shell_quote("") == "''"); }
  SECTION("space") { CHECK(shell_quote("a b") == "'a b'"); }
  SECTION("single quote") { CHECK(shell_quote("'") == "''\\'''"); }
  SECTION("glob and tilde") { CHECK(shell_quote("~/*.c") == "'~/*.c'"); }
}

TEST_CASE("an undefined placeholder is an error at its offset", "[template]") {
  const Values values = {{"input", file_value("x")}};
  try {
    expand_shell(parse_template("awk {print $1} {frme} {input}"), lookup_in(values));
    FAIL("no error");
  } catch (const PlaceholderError& e) {
    CHECK(e.offset() == 15);
    CHECK(e.length() == 6);
    CHECK(std::string(e.what()) == "undefined placeholder '{frme}'");
    CHECK(e.hint() ==
          "to write literal braces, double them: '{{frme}}' (for example awk '{{print}}')");
  }
}

TEST_CASE("undefined_placeholder shows the placeholder as written", "[template]") {
  SECTION("an awk program that looks like a placeholder") {
    const Values values;
    CHECK_THROWS_WITH(expand_shell(parse_template("awk '{print}'"), lookup_in(values)),
                      "undefined placeholder '{print}'");
  }
  SECTION("with an index and extra text") {
    const Template t = parse_template("{outputs[3]}");
    const PlaceholderError e = undefined_placeholder(t.parts[0], "the task has 1 output");
    CHECK(std::string(e.what()) == "undefined placeholder '{outputs[3]}': the task has 1 output");
  }
  SECTION("with an index too large to be stored") {
    const Template t = parse_template("{inputs[1000000000]}");
    const PlaceholderError e = undefined_placeholder(t.parts[0]);
    CHECK(std::string(e.what()) == "undefined placeholder '{inputs[1000000000]}'");
  }
  SECTION("with a member") {
    const Template t = parse_template("x {inputs.tabel}");
    const PlaceholderError e = undefined_placeholder(t.parts[1]);
    CHECK(std::string(e.what()) == "undefined placeholder '{inputs.tabel}'");
    CHECK(e.offset() == 2);
  }
}

namespace {

// Resolves from `values` by name, as views of the strings stored there.
class ViewsOf final : public PlaceholderResolver {
public:
  explicit ViewsOf(const Values& values) : m_values(values) {}
  PlaceholderView resolve(const TemplatePart& part) const override {
    auto it = m_values.find(part.text);
    if (it == m_values.end()) {
      throw undefined_placeholder(part);
    }
    return {it->second.items, it->second.is_list, it->second.origin};
  }

private:
  const Values& m_values;
};

}  // namespace

TEST_CASE("append_* expand like expand_* and keep what is there", "[template]") {
  const Values values{{"inputs", file_list({"a b.txt", "c.txt"})},
                      {"output", file_value("out/x y")},
                      {"flags", author_value("-O2 -g")},
                      {"none", file_list({})}};
  const ViewsOf resolver(values);
  SECTION("a list placeholder gives one element per item, after those there") {
    std::vector<std::string> argv{"cc"};
    append_list(argv, parse_template("{inputs}"), resolver);
    append_list(argv, parse_template("{none}"), resolver);
    append_list(argv, parse_template("-o{output}"), resolver);
    CHECK(argv == std::vector<std::string>{"cc", "a b.txt", "c.txt", "-oout/x y"});
  }
  SECTION("text and shell text are appended") {
    std::string text = "> ";
    append_text(text, parse_template("{flags} {inputs}"), resolver);
    CHECK(text == "> -O2 -g a b.txt c.txt");
    std::string shell = "$ ";
    append_shell(shell, parse_template("cc {flags} {inputs} -o {output}"), resolver);
    CHECK(shell == "$ " + expand_shell(parse_template("cc {flags} {inputs} -o {output}"),
                                       lookup_in(values)));
    CHECK(shell == "$ cc -O2 -g 'a b.txt' c.txt -o 'out/x y'");
  }
  SECTION("an undefined name throws as with a lookup") {
    std::string text;
    CHECK_THROWS_WITH(append_text(text, parse_template("{frme}"), resolver),
                      "undefined placeholder '{frme}'");
  }
  SECTION("quoting appends") {
    std::string out = "x=";
    append_shell_quoted(out, "it's");
    append_shell_quoted(out, "");
    append_shell_quoted(out, "plain/path.txt");
    CHECK(out == "x='it'\\''s'''plain/path.txt");
  }
}
