#include "metrics/metric_math.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>

namespace sluice::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxDepth = 64;

Status Invalid(std::string m) { return Status(Errc::kInvalidArgument, std::move(m)); }

// ---------------------------------------------------------------------------------------------
// Tokens and syntax tree

enum class Tok : uint8_t { kEnd, kNumber, kIdent, kString, kOp, kLParen, kRParen, kComma };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  double number = 0;
};

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
          j = k;
          while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        }
      }
      auto r = std::from_chars(s.data() + i, s.data() + j, t.number);
      if (r.ec != std::errc() || r.ptr != s.data() + j) return Invalid("Invalid number in expression");
      t.kind = Tok::kNumber;
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      t.kind = Tok::kIdent;
      t.text.assign(s.substr(i, j - i));
      i = j;
    } else if (c == '"' || c == '\'') {
      size_t j = s.find(c, i + 1);
      if (j == std::string_view::npos) return Invalid("Unterminated string in expression");
      t.kind = Tok::kString;
      t.text.assign(s.substr(i + 1, j - i - 1));
      i = j + 1;
    } else if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? Tok::kLParen : c == ')' ? Tok::kRParen : Tok::kComma;
      ++i;
    } else {
      static constexpr std::string_view kOps[] = {"<=", ">=", "==", "!=", "&&", "||", "+",
                                                  "-",  "*",  "/",  "^",  "<",  ">",  "!"};
      bool found = false;
      for (std::string_view op : kOps) {
        if (s.substr(i, op.size()) == op) {
          t.kind = Tok::kOp;
          t.text.assign(op);
          i += op.size();
          found = true;
          break;
        }
      }
      if (!found) return Invalid(std::string("Unexpected character '") + c + "' in expression");
    }
    out.push_back(std::move(t));
  }
  out.push_back(Token{});
  return out;
}

struct Node {
  enum class Kind : uint8_t { kNumber, kId, kString, kKeyword, kUnary, kBinary, kCall };
  Kind kind = Kind::kNumber;
  double number = 0;
  std::string text;  // id, string, keyword, operator or function name (upper case)
  std::vector<std::unique_ptr<Node>> args;
};
using NodePtr = std::unique_ptr<Node>;

std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

bool IsKeyword(std::string_view upper) { return upper == "REPEAT" || upper == "LINEAR"; }

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<NodePtr> Parse() {
    SLUICE_ASSIGN_OR_RETURN(NodePtr n, Or(0));
    if (Peek().kind != Tok::kEnd) return Invalid("Unexpected '" + Peek().text + "' in expression");
    return n;
  }

 private:
  const Token& Peek() const { return toks_[pos_]; }
  bool IsOp(std::string_view op) const {
    const Token& t = Peek();
    if (t.kind == Tok::kOp) return t.text == op;
    if (t.kind == Tok::kIdent) {
      const std::string u = Upper(t.text);
      return (op == "||" && u == "OR") || (op == "&&" && u == "AND") || (op == "!" && u == "NOT");
    }
    return false;
  }
  static NodePtr Binary(std::string op, NodePtr a, NodePtr b) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kBinary;
    n->text = std::move(op);
    n->args.push_back(std::move(a));
    n->args.push_back(std::move(b));
    return n;
  }
  // Left-associative binary levels.
  template <typename Next>
  Result<NodePtr> Level(int depth, std::initializer_list<std::string_view> ops, Next next) {
    SLUICE_ASSIGN_OR_RETURN(NodePtr left, (this->*next)(depth + 1));
    while (true) {
      std::string_view matched;
      for (std::string_view op : ops) {
        if (IsOp(op)) matched = op;
      }
      if (matched.empty()) return left;
      ++pos_;
      SLUICE_ASSIGN_OR_RETURN(NodePtr right, (this->*next)(depth + 1));
      left = Binary(std::string(matched), std::move(left), std::move(right));
    }
  }
  Result<NodePtr> Or(int d) { return Level(d, {"||"}, &Parser::And); }
  Result<NodePtr> And(int d) { return Level(d, {"&&"}, &Parser::Compare); }
  Result<NodePtr> Compare(int d) { return Level(d, {"<", "<=", ">", ">=", "==", "!="}, &Parser::Add); }
  Result<NodePtr> Add(int d) { return Level(d, {"+", "-"}, &Parser::Mul); }
  Result<NodePtr> Mul(int d) { return Level(d, {"*", "/"}, &Parser::Unary); }
  Result<NodePtr> Unary(int d) {
    if (d > kMaxDepth) return Invalid("Expression nested too deeply");
    if (IsOp("-") || IsOp("!")) {
      std::string op = IsOp("-") ? "-" : "!";
      ++pos_;
      SLUICE_ASSIGN_OR_RETURN(NodePtr operand, Unary(d + 1));
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kUnary;
      n->text = op;
      n->args.push_back(std::move(operand));
      return n;
    }
    return Power(d + 1);
  }
  Result<NodePtr> Power(int d) {
    SLUICE_ASSIGN_OR_RETURN(NodePtr base, Primary(d + 1));
    if (IsOp("^")) {
      ++pos_;
      SLUICE_ASSIGN_OR_RETURN(NodePtr exp, Unary(d + 1));  // right-associative
      return Binary("^", std::move(base), std::move(exp));
    }
    return base;
  }
  Result<NodePtr> Primary(int d) {
    if (d > kMaxDepth) return Invalid("Expression nested too deeply");
    Token t = Peek();
    auto n = std::make_unique<Node>();
    switch (t.kind) {
      case Tok::kNumber:
        ++pos_;
        n->kind = Node::Kind::kNumber;
        n->number = t.number;
        return n;
      case Tok::kString:
        ++pos_;
        n->kind = Node::Kind::kString;
        n->text = t.text;
        return n;
      case Tok::kLParen: {
        ++pos_;
        SLUICE_ASSIGN_OR_RETURN(NodePtr inner, Or(d + 1));
        if (Peek().kind != Tok::kRParen) return Invalid("Missing ')' in expression");
        ++pos_;
        return inner;
      }
      case Tok::kIdent: {
        ++pos_;
        if (Peek().kind == Tok::kLParen) {
          ++pos_;
          n->kind = Node::Kind::kCall;
          n->text = Upper(t.text);
          if (Peek().kind != Tok::kRParen) {
            while (true) {
              SLUICE_ASSIGN_OR_RETURN(NodePtr arg, Or(d + 1));
              n->args.push_back(std::move(arg));
              if (Peek().kind == Tok::kComma) {
                ++pos_;
                continue;
              }
              break;
            }
          }
          if (Peek().kind != Tok::kRParen) return Invalid("Missing ')' after arguments of " + n->text);
          ++pos_;
          return n;
        }
        const std::string u = Upper(t.text);
        if (IsKeyword(u)) {
          n->kind = Node::Kind::kKeyword;
          n->text = u;
          return n;
        }
        n->kind = Node::Kind::kId;
        n->text = t.text;
        return n;
      }
      default: return Invalid(t.kind == Tok::kEnd ? "Unexpected end of expression" : "Unexpected '" + t.text + "'");
    }
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
};

Result<NodePtr> ParseExpression(std::string_view expr) {
  if (expr.empty()) return Invalid("The expression is empty");
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> toks, Tokenize(expr));
  Parser p(std::move(toks));
  return p.Parse();
}

// ---------------------------------------------------------------------------------------------
// Evaluation

MathValue Scalar(double v) {
  MathValue m;
  m.kind = MathValue::Kind::kScalar;
  m.scalar = v;
  return m;
}

MathValue OneSeries(TimeSeries s) {
  MathValue m;
  m.kind = MathValue::Kind::kSeries;
  m.series.push_back(std::move(s));
  return m;
}

// Applies f to every value of every series (or to the scalar).
template <typename F>
MathValue MapValues(MathValue v, F f) {
  if (v.kind == MathValue::Kind::kScalar) {
    v.scalar = f(v.scalar);
    return v;
  }
  for (TimeSeries& s : v.series) {
    for (double& x : s.values) x = f(x);
  }
  return v;
}

// Applies f to each series.
template <typename F>
MathValue MapSeries(MathValue v, F f) {
  for (TimeSeries& s : v.series) f(&s);
  return v;
}

double Apply(std::string_view op, double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (op == "+") return a + b;
  if (op == "-") return a - b;
  if (op == "*") return a * b;
  if (op == "/") return b == 0 ? kNaN : a / b;
  if (op == "^") return std::pow(a, b);
  if (op == "<") return a < b ? 1 : 0;
  if (op == "<=") return a <= b ? 1 : 0;
  if (op == ">") return a > b ? 1 : 0;
  if (op == ">=") return a >= b ? 1 : 0;
  if (op == "==") return a == b ? 1 : 0;
  if (op == "!=") return a != b ? 1 : 0;
  if (op == "&&") return (a != 0 && b != 0) ? 1 : 0;
  if (op == "||") return (a != 0 || b != 0) ? 1 : 0;
  return kNaN;
}

// series op series: on the left grid, matching the right by timestamp.
TimeSeries Combine(std::string_view op, const TimeSeries& l, const TimeSeries& r) {
  TimeSeries out = l;
  for (size_t i = 0; i < out.values.size(); ++i) {
    std::optional<size_t> j = r.IndexOf(l.TimestampAt(i));
    out.values[i] = Apply(op, l.values[i], j ? r.values[*j] : kNaN);
  }
  return out;
}

Result<MathValue> BinaryOp(std::string_view op, MathValue a, MathValue b) {
  using K = MathValue::Kind;
  if (a.kind == K::kScalar && b.kind == K::kScalar) return Scalar(Apply(op, a.scalar, b.scalar));
  if (a.kind == K::kArray && b.kind == K::kArray) {
    return Invalid("Operator " + std::string(op) + " cannot combine two arrays of time series");
  }
  if (b.kind == K::kScalar) return MapValues(std::move(a), [&](double x) { return Apply(op, x, b.scalar); });
  if (a.kind == K::kScalar) return MapValues(std::move(b), [&](double x) { return Apply(op, a.scalar, x); });
  if (a.kind == K::kArray) {
    return MapSeries(std::move(a), [&](TimeSeries* s) { *s = Combine(op, *s, b.series[0]); });
  }
  if (b.kind == K::kArray) {
    return MapSeries(std::move(b), [&](TimeSeries* s) { *s = Combine(op, a.series[0], *s); });
  }
  return OneSeries(Combine(op, a.series[0], b.series[0]));
}

// SUM/AVG/MIN/MAX over values, skipping missing ones; NaN when none.
double Reduce(std::string_view fn, const std::vector<double>& xs) {
  double acc = 0;
  size_t n = 0;
  for (double x : xs) {
    if (std::isnan(x)) continue;
    if (n == 0) {
      acc = x;
    } else if (fn == "SUM" || fn == "AVG") {
      acc += x;
    } else if (fn == "MIN") {
      acc = std::min(acc, x);
    } else {
      acc = std::max(acc, x);
    }
    ++n;
  }
  if (n == 0) return kNaN;
  return fn == "AVG" ? acc / static_cast<double>(n) : acc;
}

void RateOrDiff(TimeSeries* s, bool rate) {
  double prev = kNaN;
  int64_t prev_ts = 0;
  for (size_t i = 0; i < s->values.size(); ++i) {
    const double v = s->values[i];
    if (std::isnan(v)) continue;
    const int64_t ts = s->TimestampAt(i);
    if (std::isnan(prev)) {
      s->values[i] = kNaN;  // no earlier point to compare with
    } else {
      const double d = v - prev;
      s->values[i] = rate ? d / (static_cast<double>(ts - prev_ts) / 1000.0) : d;
    }
    prev = v;
    prev_ts = ts;
  }
}

void Fill(TimeSeries* s, const MathValue& how, std::string_view keyword) {
  std::vector<double>& v = s->values;
  if (keyword == "REPEAT") {
    double last = kNaN;
    for (double& x : v) {
      if (std::isnan(x)) {
        x = last;
      } else {
        last = x;
      }
    }
    return;
  }
  if (keyword == "LINEAR") {
    std::optional<size_t> prev;
    for (size_t i = 0; i < v.size(); ++i) {
      if (std::isnan(v[i])) continue;
      if (prev && i > *prev + 1) {
        for (size_t k = *prev + 1; k < i; ++k) {
          v[k] = v[*prev] + (v[i] - v[*prev]) * static_cast<double>(k - *prev) / static_cast<double>(i - *prev);
        }
      }
      prev = i;
    }
    return;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isnan(v[i])) continue;
    if (how.kind == MathValue::Kind::kScalar) {
      v[i] = how.scalar;
    } else {
      std::optional<size_t> j = how.series[0].IndexOf(s->TimestampAt(i));
      v[i] = j ? how.series[0].values[*j] : kNaN;
    }
  }
}

class Evaluator {
 public:
  explicit Evaluator(const MathInputs& in) : in_(in) {}

  Result<MathValue> Eval(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kNumber: return Scalar(n.number);
      case Node::Kind::kString: return Invalid("A string is only allowed as the argument of METRICS()");
      case Node::Kind::kKeyword: return Invalid(n.text + " is only allowed as the second argument of FILL()");
      case Node::Kind::kId: {
        const MathValue* v = in_.Find(n.text);
        if (v == nullptr) return Invalid("Unknown metric or expression id: " + n.text);
        return *v;
      }
      case Node::Kind::kUnary: {
        SLUICE_ASSIGN_OR_RETURN(MathValue v, Eval(*n.args[0]));
        if (n.text == "-") return MapValues(std::move(v), [](double x) { return -x; });
        return MapValues(std::move(v), [](double x) { return std::isnan(x) ? kNaN : (x == 0 ? 1.0 : 0.0); });
      }
      case Node::Kind::kBinary: {
        SLUICE_ASSIGN_OR_RETURN(MathValue a, Eval(*n.args[0]));
        SLUICE_ASSIGN_OR_RETURN(MathValue b, Eval(*n.args[1]));
        return BinaryOp(n.text, std::move(a), std::move(b));
      }
      case Node::Kind::kCall: return Call(n);
    }
    return Invalid("Invalid expression");
  }

 private:
  Status Arity(const Node& n, size_t lo, size_t hi) const {
    if (n.args.size() < lo || n.args.size() > hi) {
      return Invalid("Wrong number of arguments for function " + n.text);
    }
    return Status::Ok();
  }

  Result<MathValue> Call(const Node& n) {
    const std::string& fn = n.text;
    if (fn == "METRICS") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 0, 1));
      std::string filter;
      if (!n.args.empty()) {
        if (n.args[0]->kind != Node::Kind::kString) return Invalid("METRICS() takes a string filter");
        filter = n.args[0]->text;
      }
      MathValue out;
      out.kind = MathValue::Kind::kArray;
      for (TimeSeries& s : in_.AllMetrics()) {
        if (filter.empty() || s.label.find(filter) != std::string::npos || s.id.find(filter) != std::string::npos) {
          out.series.push_back(std::move(s));
        }
      }
      return out;
    }
    if (fn == "SUM" || fn == "AVG" || fn == "MIN" || fn == "MAX" || fn == "AVERAGE") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, 1));
      const std::string reducer = fn == "AVERAGE" ? "AVG" : fn;
      SLUICE_ASSIGN_OR_RETURN(MathValue v, Eval(*n.args[0]));
      if (v.kind == MathValue::Kind::kScalar) return v;
      if (v.kind == MathValue::Kind::kSeries) return Scalar(Reduce(reducer, v.series[0].values));
      if (v.series.empty()) return Scalar(kNaN);
      TimeSeries out = v.series[0];
      out.label = reducer;
      std::vector<double> column;
      for (size_t i = 0; i < out.values.size(); ++i) {
        column.clear();
        for (const TimeSeries& s : v.series) {
          std::optional<size_t> j = s.IndexOf(out.TimestampAt(i));
          column.push_back(j ? s.values[*j] : kNaN);
        }
        out.values[i] = Reduce(reducer, column);
      }
      return OneSeries(std::move(out));
    }
    if (fn == "RATE" || fn == "DIFF") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, 1));
      SLUICE_ASSIGN_OR_RETURN(MathValue v, Eval(*n.args[0]));
      if (v.kind == MathValue::Kind::kScalar) return Invalid(fn + " needs a time series");
      const bool rate = fn == "RATE";
      return MapSeries(std::move(v), [rate](TimeSeries* s) { RateOrDiff(s, rate); });
    }
    if (fn == "ABS" || fn == "CEIL" || fn == "FLOOR") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, 1));
      SLUICE_ASSIGN_OR_RETURN(MathValue v, Eval(*n.args[0]));
      if (fn == "ABS") return MapValues(std::move(v), [](double x) { return std::fabs(x); });
      if (fn == "CEIL") return MapValues(std::move(v), [](double x) { return std::ceil(x); });
      return MapValues(std::move(v), [](double x) { return std::floor(x); });
    }
    if (fn == "PERIOD") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, 1));
      SLUICE_ASSIGN_OR_RETURN(MathValue v, Eval(*n.args[0]));
      if (v.kind == MathValue::Kind::kScalar || v.series.empty()) return Invalid("PERIOD needs a time series");
      return Scalar(static_cast<double>(v.series[0].period_s));
    }
    if (fn == "FILL") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 2, 2));
      SLUICE_ASSIGN_OR_RETURN(MathValue v, Eval(*n.args[0]));
      if (v.kind == MathValue::Kind::kScalar) return Invalid("FILL needs a time series");
      std::string keyword;
      MathValue how;
      if (n.args[1]->kind == Node::Kind::kKeyword) {
        keyword = n.args[1]->text;
      } else {
        SLUICE_ASSIGN_OR_RETURN(how, Eval(*n.args[1]));
        if (how.kind == MathValue::Kind::kArray) return Invalid("FILL's second argument cannot be an array");
      }
      return MapSeries(std::move(v), [&](TimeSeries* s) { Fill(s, how, keyword); });
    }
    if (fn == "IF") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 2, 3));
      SLUICE_ASSIGN_OR_RETURN(MathValue cond, Eval(*n.args[0]));
      SLUICE_ASSIGN_OR_RETURN(MathValue a, Eval(*n.args[1]));
      MathValue b = Scalar(kNaN);
      if (n.args.size() == 3) { SLUICE_ASSIGN_OR_RETURN(b, Eval(*n.args[2])); }
      if (cond.kind == MathValue::Kind::kArray || a.kind == MathValue::Kind::kArray ||
          b.kind == MathValue::Kind::kArray) {
        return Invalid("IF does not take arrays of time series");
      }
      if (cond.kind == MathValue::Kind::kScalar) {
        return std::isnan(cond.scalar) ? Scalar(kNaN) : (cond.scalar != 0 ? a : b);
      }
      TimeSeries out = cond.series[0];
      auto at = [](const MathValue& v, int64_t ts) {
        if (v.kind == MathValue::Kind::kScalar) return v.scalar;
        std::optional<size_t> j = v.series[0].IndexOf(ts);
        return j ? v.series[0].values[*j] : kNaN;
      };
      for (size_t i = 0; i < out.values.size(); ++i) {
        const double c = out.values[i];
        const int64_t ts = out.TimestampAt(i);
        out.values[i] = std::isnan(c) ? kNaN : (c != 0 ? at(a, ts) : at(b, ts));
      }
      return OneSeries(std::move(out));
    }
    return Invalid("Unrecognized function " + fn);
  }

  const MathInputs& in_;
};

void CollectRefs(const Node& n, ExpressionRefs* out) {
  if (n.kind == Node::Kind::kId) {
    if (std::find(out->ids.begin(), out->ids.end(), n.text) == out->ids.end()) out->ids.push_back(n.text);
  }
  if (n.kind == Node::Kind::kCall && n.text == "METRICS") out->uses_metrics = true;
  for (const auto& a : n.args) CollectRefs(*a, out);
}

}  // namespace

std::optional<size_t> TimeSeries::IndexOf(int64_t ts) const {
  const int64_t period_ms = period_s * 1000;
  if (period_ms <= 0 || ts < start_ms || (ts - start_ms) % period_ms != 0) return std::nullopt;
  const auto i = static_cast<size_t>((ts - start_ms) / period_ms);
  if (i >= values.size()) return std::nullopt;
  return i;
}

Result<MathValue> EvaluateMetricMath(std::string_view expression, const MathInputs& inputs) {
  SLUICE_ASSIGN_OR_RETURN(NodePtr root, ParseExpression(expression));
  Evaluator e(inputs);
  return e.Eval(*root);
}

Result<ExpressionRefs> ReferencedIds(std::string_view expression) {
  SLUICE_ASSIGN_OR_RETURN(NodePtr root, ParseExpression(expression));
  ExpressionRefs refs;
  CollectRefs(*root, &refs);
  return refs;
}

const MathValue* MathInputMap::Find(std::string_view id) const {
  auto it = values_.find(id);
  return it == values_.end() ? nullptr : &it->second;
}

void MathInputMap::AddMetric(TimeSeries s) {
  MathValue v;
  v.kind = MathValue::Kind::kSeries;
  v.series.push_back(s);
  values_[s.id] = std::move(v);
  metrics_.push_back(std::move(s));
}

}  // namespace sluice::metrics
