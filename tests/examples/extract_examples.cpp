// tests/examples/extract_examples.cpp -- turns the C++ examples of one documentation
// file into a translation unit, so that the build compiles them (tests/examples/README.md).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
//   extract_examples --source <file> --name <shown name> --output <file.cpp>
//                    [--include <header>] [--skip <skip list>]
//
// Blocks: ```cpp fences in Markdown; `@code` ... `@endcode` (or `\code`) in the comments
// of a header, with the comment markers (`///`, `//`, ` * `) taken off. Each block goes
// into its own namespace, at its own file and line (#line), in one of two forms:
// - `file`: as it is, at namespace scope -- when its first line declares something (a
//   class, struct, namespace, template, enum, or a function definition);
// - `body`: as the statements of a coroutine member of mcp_htm_examples::Scope
//   (example_context.hpp), where the names fragments assume are in scope (manager, io...).
// `#include` lines are moved to the top of the unit. Markdown may force the form, or
// leave a block out, with a comment on the line before the fence:
// `<!-- example: file -->`, `<!-- example: body -->`, `<!-- example: skip -->`; a header
// leaves a block out with `@code{.unparsed}` (any language but `{.cpp}`). The skip list
// names blocks to leave out without editing their file: `<name>: <first line>` per line.
// A file without a compiled block gives a unit without code.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class Form { detect, file, body, skip };

struct Block {
  std::size_t first_line = 0;  // of the first line of code, 1-based
  std::vector<std::string> lines;
  Form form = Form::detect;
};

[[noreturn]] void die(const std::string& message) {
  std::cerr << "extract_examples: " << message << "\n";
  std::exit(1);
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

/// ```cpp blocks; `<!-- example: X -->` on the line before a fence sets its form.
std::vector<Block> markdown_blocks(const std::vector<std::string>& lines, const std::string& name) {
  std::vector<Block> blocks;
  bool in_fence = false;
  bool collecting = false;
  Form next_form = Form::detect;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (in_fence) {
      if (starts_with(line, "```") && trim(line.substr(3)).empty()) {
        in_fence = false;
        collecting = false;
      } else if (collecting) {
        blocks.back().lines.push_back(lines[i]);
      }
      continue;
    }
    if (starts_with(line, "```")) {
      in_fence = true;
      const std::string_view language = trim(line.substr(3));
      collecting = language == "cpp" || language == "c++";
      if (collecting) {
        blocks.push_back(Block{i + 2, {}, next_form});
      }
      next_form = Form::detect;
      continue;
    }
    if (starts_with(line, "<!-- example:")) {
      const std::string_view form = trim(line.substr(13, line.rfind("-->") - 13));
      if (form == "file") {
        next_form = Form::file;
      } else if (form == "body") {
        next_form = Form::body;
      } else if (form == "skip") {
        next_form = Form::skip;
      } else {
        die(name + ":" + std::to_string(i + 1) + ": unknown example form '" + std::string(form) +
            "' (file, body or skip)");
      }
    } else if (!line.empty()) {
      next_form = Form::detect;
    }
  }
  if (in_fence) die(name + ": a code fence is not closed");
  return blocks;
}

/// The text of a comment line without its marker: `///`, `//`, or a leading `*`.
std::string uncomment(const std::string& line) {
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  std::string_view rest(line);
  rest.remove_prefix(first);
  if (starts_with(rest, "///")) {
    rest.remove_prefix(3);
  } else if (starts_with(rest, "//")) {
    rest.remove_prefix(2);
  } else if (starts_with(rest, "*") && !starts_with(rest, "*/")) {
    rest.remove_prefix(1);
  } else {
    return line;  // inside a /** */ comment without stars
  }
  if (starts_with(rest, " ")) rest.remove_prefix(1);
  return std::string(rest);
}

/// `@code` ... `@endcode` blocks of the comments; `@code{.x}` for any x but cpp: skipped.
std::vector<Block> doxygen_blocks(const std::vector<std::string>& lines, const std::string& name) {
  std::vector<Block> blocks;
  bool collecting = false;
  std::size_t opened = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string text = uncomment(lines[i]);
    const std::string_view command = trim(text);
    if (!collecting) {
      if (starts_with(command, "@code") || starts_with(command, "\\code")) {
        const std::string_view language = trim(command.substr(5));
        Form form = Form::detect;
        if (!language.empty() && language != "{.cpp}") form = Form::skip;
        blocks.push_back(Block{i + 2, {}, form});
        collecting = true;
        opened = i + 1;
      }
      continue;
    }
    if (starts_with(command, "@endcode") || starts_with(command, "\\endcode")) {
      collecting = false;
    } else {
      blocks.back().lines.push_back(text);
    }
  }
  if (collecting) die(name + ":" + std::to_string(opened) + ": @code without @endcode");
  return blocks;
}

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// `type name(` ... not ending in ';' and without '=' before the parenthesis: the first
/// line of a function definition (`asio::awaitable<void> serve(Manager& m) {`).
bool is_function_definition(std::string_view line) {
  if (line.empty() || line.back() == ';') return false;
  const auto paren = line.find('(');
  if (paren == std::string_view::npos || paren == 0) return false;
  const std::string_view head = line.substr(0, paren);
  if (head.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:<>, &*") !=
      std::string_view::npos) {
    return false;
  }
  std::size_t name_start = head.size();
  while (name_start > 0 && is_identifier_char(head[name_start - 1])) --name_start;
  if (name_start == head.size() || name_start == 0) return false;  // no name, or no type
  const std::string_view type = trim(head.substr(0, name_start));
  if (type.empty() || !(type.back() == '>' || type.back() == '&' || type.back() == '*' ||
                        is_identifier_char(type.back()))) {
    return false;
  }
  for (std::string_view keyword : {"return", "co_return", "co_await", "co_yield", "throw", "else",
                                   "new", "delete", "case", "goto"}) {
    if (type == keyword || starts_with(type, std::string(keyword) + " ")) return false;
  }
  return head[name_start - 1] == ' ' || head[name_start - 1] == '&' || head[name_start - 1] == '*';
}

Form detect_form(const Block& block) {
  for (const auto& raw : block.lines) {
    const std::string_view line = trim(raw);
    if (line.empty() || starts_with(line, "//") || starts_with(line, "#include")) continue;
    for (std::string_view keyword :
         {"class ", "struct ", "namespace ", "template", "enum ", "union ", "int main("}) {
      if (starts_with(line, keyword)) return Form::file;
    }
    return is_function_definition(line) ? Form::file : Form::body;
  }
  return Form::skip;  // nothing but comments and includes
}

std::string first_code_line(const Block& block) {
  for (const auto& line : block.lines) {
    if (!trim(line).empty()) return std::string(trim(line));
  }
  return {};
}

/// `<name>: <first line>` entries of the skip list.
std::vector<std::string> read_skip_list(const std::string& path, const std::string& name) {
  std::vector<std::string> skipped;
  if (path.empty()) return skipped;
  for (const auto& line : read_lines(path)) {
    const std::string_view entry = trim(line);
    if (entry.empty() || entry.front() == '#') continue;
    const auto colon = entry.find(": ");
    if (colon == std::string_view::npos) die(path + ": expected '<file>: <first line>': " + line);
    if (entry.substr(0, colon) == name) skipped.emplace_back(trim(entry.substr(colon + 2)));
  }
  return skipped;
}

std::string quoted(const std::string& path) {
  std::string out = "\"";
  for (const char c : path) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  std::string source, name, output, include, skip_list;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view option = argv[i];
    if (option == "--source") {
      source = argv[i + 1];
    } else if (option == "--name") {
      name = argv[i + 1];
    } else if (option == "--output") {
      output = argv[i + 1];
    } else if (option == "--include") {
      include = argv[i + 1];
    } else if (option == "--skip") {
      skip_list = argv[i + 1];
    } else {
      die("unknown option " + std::string(option));
    }
  }
  if (source.empty() || output.empty()) die("--source and --output are required");
  if (name.empty()) name = source;

  const auto lines = read_lines(source);
  const bool markdown = source.size() >= 3 && source.substr(source.size() - 3) == ".md";
  std::vector<Block> blocks = markdown ? markdown_blocks(lines, name) : doxygen_blocks(lines, name);
  const auto skipped = read_skip_list(skip_list, name);
  for (auto& block : blocks) {
    for (const auto& first : skipped) {
      if (first_code_line(block) == first) block.form = Form::skip;
    }
    if (block.form == Form::detect) block.form = detect_form(block);
  }

  std::ostringstream out;
  out << "// Generated from " << name << " by tests/examples/extract_examples: do not edit.\n";
  std::size_t compiled = 0;
  for (const auto& block : blocks) compiled += block.form != Form::skip;
  if (compiled > 0) {
    out << "#include \"example_context.hpp\"\n";
    if (!include.empty()) out << "#include <" << include << ">\n";
    // Each block's includes, at the top (they may not go inside a namespace).
    for (const auto& block : blocks) {
      if (block.form == Form::skip) continue;
      for (std::size_t k = 0; k < block.lines.size(); ++k) {
        if (starts_with(trim(block.lines[k]), "#include")) {
          out << "#line " << block.first_line + k << " " << quoted(source) << "\n"
              << block.lines[k] << "\n";
        }
      }
    }
    std::size_t index = 0;
    for (const auto& block : blocks) {
      ++index;
      if (block.form == Form::skip) continue;
      out << "\n// " << name << ":" << block.first_line << " ("
          << (block.form == Form::file ? "file" : "body") << ")\n";
      out << "namespace mcp_htm_example_" << index << " {\n";
      if (block.form == Form::body) {
        out << "struct Example : mcp_htm_examples::Scope {\n"
            << "  asio::awaitable<void> example() {\n";
      }
      out << "#line " << block.first_line << " " << quoted(source) << "\n";
      for (const auto& line : block.lines) {
        out << (starts_with(trim(line), "#include") ? std::string() : line) << "\n";
      }
      if (block.form == Form::body) out << "    co_return;\n  }\n};\n";
      out << "}  // namespace mcp_htm_example_" << index << "\n";
    }
  } else {
    out << "// (no compiled examples)\n";
  }

  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  file << out.str();
  if (!file) die("cannot write " + output);
  return 0;
}
