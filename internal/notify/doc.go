// Package notify tells people what happened: a reminder before the
// submission deadline (催报), an overdue notice, a submission returned or
// accepted, a report published, a run failed, credentials about to expire.
//
// It has three layers, each usable alone:
//
//   - events and messages (event.go, message.go, i18n.go): an Event is what
//     happened to which tenant; Render turns it into a Message in the
//     recipient's language (zh-CN by default, en), plain text through
//     text/template, HTML through html/template, markdown for robots;
//   - channels (one file per vendor: mail.go, wecom.go, dingtalk.go,
//     feishu.go, webhook.go): each sends a Message to its vendor's documented
//     contract and classifies the answer (delivered, retry later, or the
//     channel's key is bad and it must be disabled);
//   - delivery (outbox.go, deliver.go): a durable outbox with one record per
//     event and recipient, so a restart or a second manager never sends twice.
//
// Secrets (SMTP passwords, robot keys, signing secrets) come into a channel
// as arguments, read by the caller from a Secret in the tenant's own
// namespace; nothing here reads the cluster.
package notify
