#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleListTagsForStream(HandlerArgs& a) {
  protocol::ListTagsForStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  size_t limit = static_cast<size_t>(r.limit.value_or(50));
  return a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    protocol::JsonWriter w(a.out);
    w.BeginObject();
    w.Key("Tags");
    w.BeginArray();
    auto it = r.exclusive_start_tag_key ? s.tags.upper_bound(std::string(*r.exclusive_start_tag_key)) : s.tags.begin();
    size_t n = 0;
    for (; it != s.tags.end() && n < limit; ++it, ++n) {
      w.BeginObject();
      w.Field("Key", it->first);
      w.Field("Value", it->second);
      w.EndObject();
    }
    w.EndArray();
    w.FieldBool("HasMoreTags", it != s.tags.end());
    w.EndObject();
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
