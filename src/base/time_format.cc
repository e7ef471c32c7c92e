#include "base/time_format.h"

#include <algorithm>

namespace sluice {
namespace {

constexpr std::string_view kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // day 0 was a Thursday
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, day 0 = 1970-01-01).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// The UTC calendar fields of an instant (rounded down to the millisecond's second).
struct Civil {
  int64_t y;
  unsigned mo, d, h, mi, s, ms;
  int64_t days;  // since 1970-01-01
};

Civil ToCivil(int64_t unix_millis) {
  int64_t secs = unix_millis >= 0 ? unix_millis / 1000 : (unix_millis - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  Civil c{};
  CivilFromDays(days, &c.y, &c.mo, &c.d);
  c.h = static_cast<unsigned>(rem / 3600);
  c.mi = static_cast<unsigned>(rem / 60 % 60);
  c.s = static_cast<unsigned>(rem % 60);
  c.ms = static_cast<unsigned>(unix_millis - secs * 1000);
  c.days = days;
  return c;
}

std::string_view DayName(const Civil& c) {
  int64_t wd = c.days % 7;
  if (wd < 0) wd += 7;
  return kDays[wd];
}

std::optional<int64_t> ToMillis(int y, int mo, int d, int h, int mi, int s) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60 * 1000 + int64_t{s} * 1000;
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

void PutText(char* p, std::string_view s) { std::copy(s.begin(), s.end(), p); }

void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void Put4(char* p, int64_t year) {
  unsigned y = static_cast<unsigned>(year);
  Put2(p, y / 100);
  Put2(p + 2, y % 100);
}

// "hh:mm:ss"
void PutTimeOfDay(char* p, const Civil& c) {
  Put2(p, c.h);
  p[2] = ':';
  Put2(p + 3, c.mi);
  p[5] = ':';
  Put2(p + 6, c.s);
}

}  // namespace

void FormatIso8601Basic(int64_t unix_millis, char out[kIso8601BasicSize]) {
  Civil c = ToCivil(unix_millis);
  Put4(out, c.y);
  Put2(out + 4, c.mo);
  Put2(out + 6, c.d);
  out[8] = 'T';
  Put2(out + 9, c.h);
  Put2(out + 11, c.mi);
  Put2(out + 13, c.s);
  out[15] = 'Z';
}

std::string FormatIso8601Basic(int64_t unix_millis) {
  char buf[kIso8601BasicSize];
  FormatIso8601Basic(unix_millis, buf);
  return std::string(buf, sizeof buf);
}

std::optional<int64_t> ParseIso8601(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 16 || !ParseDigits(s, 0, 4, &y) || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) || s[7] != '-' ||
      !ParseDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !ParseDigits(s, 11, 2, &h) ||
      s[13] != ':' || !ParseDigits(s, 14, 2, &mi)) {
    return std::nullopt;
  }
  size_t pos = 16;
  int frac_ms = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!ParseDigits(s, pos + 1, 2, &sec)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int scale = 100;
      const size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        frac_ms += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
  }
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh = 0, om = 0;
      if (!ParseDigits(s, pos + 1, 2, &oh)) return std::nullopt;
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!ParseDigits(s, mpos, 2, &om)) return std::nullopt;
      offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
      pos = mpos + 2;
    }
  }
  if (pos != s.size()) return std::nullopt;
  std::optional<int64_t> ms = ToMillis(y, mo, d, h, mi, sec);
  if (!ms) return std::nullopt;
  return *ms - offset_min * 60'000 + frac_ms;
}

std::optional<int64_t> ParseIso8601Basic(std::string_view s) {
  if (s.size() != kIso8601BasicSize || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, sec;
  if (!ParseDigits(s, 0, 4, &y) || !ParseDigits(s, 4, 2, &mo) || !ParseDigits(s, 6, 2, &d) ||
      !ParseDigits(s, 9, 2, &h) || !ParseDigits(s, 11, 2, &mi) || !ParseDigits(s, 13, 2, &sec)) {
    return std::nullopt;
  }
  return ToMillis(y, mo, d, h, mi, sec);
}

void FormatHttpDate(int64_t unix_millis, char out[kHttpDateSize]) {
  Civil c = ToCivil(unix_millis);
  PutText(out, DayName(c));
  out[3] = ',';
  out[4] = ' ';
  Put2(out + 5, c.d);
  out[7] = ' ';
  PutText(out + 8, kMonths[c.mo - 1]);
  out[11] = ' ';
  Put4(out + 12, c.y);
  out[16] = ' ';
  PutTimeOfDay(out + 17, c);
  PutText(out + 25, " GMT");
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  s = Trim(s);
  if (s.size() != kHttpDateSize || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  int d, y, h, mi, sec, mo = 0;
  std::string_view mon = s.substr(8, 3);
  for (int i = 0; i < 12; ++i) {
    if (mon == kMonths[i]) mo = i + 1;
  }
  if (mo == 0 || !ParseDigits(s, 5, 2, &d) || !ParseDigits(s, 12, 4, &y) || !ParseDigits(s, 17, 2, &h) ||
      !ParseDigits(s, 20, 2, &mi) || !ParseDigits(s, 23, 2, &sec)) {
    return std::nullopt;
  }
  return ToMillis(y, mo, d, h, mi, sec);
}

void FormatIso8601Millis(int64_t unix_millis, char out[kIso8601MillisSize]) {
  Civil c = ToCivil(unix_millis);
  Put4(out, c.y);
  out[4] = '-';
  Put2(out + 5, c.mo);
  out[7] = '-';
  Put2(out + 8, c.d);
  out[10] = 'T';
  PutTimeOfDay(out + 11, c);
  out[19] = '.';
  out[20] = static_cast<char>('0' + c.ms / 100);
  Put2(out + 21, c.ms % 100);
  out[23] = 'Z';
}

std::string FormatIso8601Millis(int64_t unix_millis) {
  char buf[kIso8601MillisSize];
  FormatIso8601Millis(unix_millis, buf);
  return std::string(buf, sizeof buf);
}

std::string FormatJavaDate(int64_t unix_millis) {
  Civil c = ToCivil(unix_millis);
  char buf[28];  // "Sun Aug 30 12:36:00 UTC 2015"
  PutText(buf, DayName(c));
  buf[3] = ' ';
  PutText(buf + 4, kMonths[c.mo - 1]);
  buf[7] = ' ';
  Put2(buf + 8, c.d);
  buf[10] = ' ';
  PutTimeOfDay(buf + 11, c);
  PutText(buf + 19, " UTC ");
  Put4(buf + 24, c.y);
  return std::string(buf, sizeof buf);
}

}  // namespace sluice
