#pragma once
// The message a state change sends to a webhook: an Amazon SNS HTTP notification (Type
// Notification, headers x-amz-sns-*) whose Message is the JSON CloudWatch publishes to SNS for
// alarm state changes, so receivers written for SNS-delivered CloudWatch alarms work unchanged.
#include <cstdint>
#include <string>

#include "alarms/alarm.h"
#include "alarms/webhook_notifier.h"

namespace sluice::alarms {

struct NotificationContext {
  std::string region;
  std::string account_id;
  int64_t now_ms = 0;
};

// "US East (N. Virginia)" for "us-east-1", as the notification's Region names it; the code itself
// for regions it does not know.
std::string RegionLongName(const std::string& region);

// The CloudWatch alarm message (the SNS Message member).
std::string AlarmMessageJson(const Alarm& a, AlarmState old_state, const NotificationContext& ctx);

// Fills n->headers and n->body (n->action_arn is the topic).
void BuildSnsNotification(const Alarm& a, AlarmState old_state, const NotificationContext& ctx, Notification* n);

}  // namespace sluice::alarms
