// ListMetrics: metrics with data in the last two weeks (RecentlyActive=PT3H: three hours),
// filtered by namespace, name and dimensions, 500 a page.
#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {

ApiError HandleListMetrics(const HandlerContext& ctx, const Value& input, Value* output) {
  metrics::ListMetricsQuery q;
  if (const Value* ns = input.Find("Namespace")) q.ns = ns->string_value();
  if (const Value* name = input.Find("MetricName")) q.name = name->string_value();
  const auto& filters = ListOf(input, "Dimensions");
  if (filters.size() > kMaxDimensions) {
    return ApiError::InvalidValue("The collection Dimensions must not have a size greater than 30.");
  }
  for (const Value& f : filters) {
    std::optional<std::string> value;
    if (const Value* v = f.Find("Value")) value = v->string_value();
    q.dims.emplace_back(std::string(StringOr(f, "Name")), std::move(value));
  }
  q.recently_active = input.Find("RecentlyActive") != nullptr;  // the model allows only PT3H
  q.next_token = std::string(StringOr(input, "NextToken"));
  // IncludeLinkedAccounts and OwningAccount: one account here, so nothing is linked.

  auto page = ctx.services.store->List(q);
  if (!page.ok()) {
    if (!q.next_token.empty() && page.status().code() != Errc::kInternal && page.status().code() != Errc::kIoError) {
      return {ErrorCode::kInvalidNextToken, "The service returned an invalid next token."};
    }
    return StoreError(page.status());
  }
  *output = Value::Struct();
  Value& list = output->Set("Metrics", Value::List());
  for (const metrics::MetricId& id : page->metrics) list.Append(MetricToValue(id));
  if (!page->next_token.empty()) output->Set("NextToken", Value::String(page->next_token));
  return {};
}

}  // namespace sluice::cloudwatch
