// GET requests: the Prometheus page is the only resource; everything else is 404. Kept apart from
// request_processor.cc, which routes the POST API calls.
#include "server/http/request_processor.h"

namespace sluice::server::http {

void RequestProcessor::AnswerGet(const IncomingRequest& req, Exchange* ex) const {
  ex->head.content_type = {};
  ex->response.error_type = {};
  if (metrics_ != nullptr && req.method == "GET" && req.path == "/metrics") {
    ex->response.http_status = 200;
    ex->head.content_type = metrics_->Render(req.Header("accept"), &ex->response.body);
  } else {
    ex->response.http_status = 404;
  }
  Finish(ex);
}

}  // namespace sluice::server::http
