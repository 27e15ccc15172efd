package v1alpha1

// NotificationsSpec says who hears about what: channels that municipal IT
// name once, and routes from events to channels. Every secret (an SMTP
// password, a robot's key or signing secret, a webhook URL that embeds a
// key, a whsec_ secret) lives in a Secret of the tenant's own namespace,
// named here by secretName: a county's CountyReport namespace, a city's
// city-<name>. A tenant's channels receive only that tenant's events.
// +kubebuilder:validation:XValidation:rule="!has(self.routes) || self.routes.all(r, has(self.channels) && self.channels.exists(c, c.name == r.channel))",message="notifications.routes[].channel: names a channel that is not in notifications.channels"
// +kubebuilder:validation:XValidation:rule="!has(self.routes) || self.routes.all(r, !has(r.to) || (has(self.channels) && self.channels.exists(c, c.name == r.channel && c.type == 'mail')))",message="notifications.routes[].to: mail addresses go only with a mail channel"
// +kubebuilder:validation:XValidation:rule="!has(self.routes) || self.routes.all(r, !has(r.staff) || (has(self.channels) && self.channels.exists(c, c.name == r.channel && c.type == 'mail')))",message="notifications.routes[].staff: staff are reached by mail only"
type NotificationsSpec struct {
	// Channels are where messages go.
	// +kubebuilder:validation:MaxItems=16
	// +listType=map
	// +listMapKey=name
	// +optional
	Channels []NotificationChannel `json:"channels,omitempty"`

	// Routes send events to channels.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Routes []NotificationRoute `json:"routes,omitempty"`

	// ReminderDaysBefore is how many days before the submission deadline a
	// county that has not submitted gets its reminder (催报).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	// +kubebuilder:default=3
	// +optional
	ReminderDaysBefore int32 `json:"reminderDaysBefore,omitempty"`

	// AttachmentLimitMiB: a published report's PDF up to this size is
	// attached to mail; a larger one is linked only.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=25
	// +kubebuilder:default=10
	// +optional
	AttachmentLimitMiB int32 `json:"attachmentLimitMiB,omitempty"`
}

// NotificationChannel is one mail server, robot or webhook.
// +kubebuilder:validation:XValidation:rule="(self.type == 'mail') == has(self.mail)",message="notifications.channels[].mail: give the SMTP server for a mail channel, and only for one"
// +kubebuilder:validation:XValidation:rule="self.type == 'mail' || has(self.secretName)",message="notifications.channels[].secretName: a robot or webhook needs the Secret holding its key"
type NotificationChannel struct {
	// Name identifies the channel in routes.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=40
	Name string `json:"name"`

	// Type is mail, wecom (企业微信群机器人), dingtalk (钉钉自定义机器人),
	// feishu (飞书自定义机器人) or webhook (Standard Webhooks).
	// +kubebuilder:validation:Enum=mail;wecom;dingtalk;feishu;webhook
	Type string `json:"type"`

	// SecretName is a Secret in the tenant's own namespace holding the
	// channel's secrets: username and password (mail); key (wecom);
	// accessToken and secret (dingtalk); token and secret (feishu); url and
	// secret (webhook; several whsec_ secrets separated by spaces while
	// rotating).
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// BaseURL replaces the vendor's address (https://qyapi.weixin.qq.com,
	// https://oapi.dingtalk.com, https://open.feishu.cn), e.g. for a proxy.
	// https only, unless the installation allows private targets.
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	// +optional
	BaseURL string `json:"baseURL,omitempty"`

	// Mail is the SMTP server of a mail channel.
	// +optional
	Mail *MailServer `json:"mail,omitempty"`
}

// MailServer is an SMTP server.
type MailServer struct {
	// Host is the server's name, without port.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:MaxLength=253
	Host string `json:"host"`

	// Port: 587 for STARTTLS, 465 for TLS.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +kubebuilder:default=587
	// +optional
	Port int32 `json:"port,omitempty"`

	// Security is starttls, tls (implicit TLS), or none (only where the
	// installation allows private targets: the local platform's mail server).
	// +kubebuilder:validation:Enum=starttls;tls;none
	// +kubebuilder:default=starttls
	// +optional
	Security string `json:"security,omitempty"`

	// From is the sender's address.
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s<>]+@[^@\s<>]+$`
	From string `json:"from"`
}

// NotificationEvent is an event a route sends.
// +kubebuilder:validation:Enum=reminder;overdue;submitted;resubmitted;returned;accepted;published;run_failed;credentials_expiring
type NotificationEvent string

// NotificationRoute sends some events to one channel.
type NotificationRoute struct {
	// Events this route sends.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=set
	Events []NotificationEvent `json:"events"`

	// Channel is the name of a channel in notifications.channels.
	// +kubebuilder:validation:MaxLength=40
	Channel string `json:"channel"`

	// To are a mail channel's recipients, each reading their own language.
	// +kubebuilder:validation:MaxItems=50
	// +listType=atomic
	// +optional
	To []NotificationRecipient `json:"to,omitempty"`

	// Staff sends a mail route's events also to the tenant's staff who gave
	// a mail address on their portal's account page (我的账户), each in the
	// language they chose: editors (the county's editors, the city's
	// reviewers) or all (viewers too). Unset: only the addresses in to.
	// +kubebuilder:validation:Enum=editors;all
	// +optional
	Staff string `json:"staff,omitempty"`

	// Language of a robot's or webhook's messages: zh-CN or en.
	// +kubebuilder:validation:Enum=zh-CN;en
	// +kubebuilder:default=zh-CN
	// +optional
	Language string `json:"language,omitempty"`
}

// NotificationRecipient is one mail address and the language it reads.
type NotificationRecipient struct {
	// Address is the mail address.
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s<>]+@[^@\s<>]+$`
	Address string `json:"address"`

	// Language: zh-CN or en.
	// +kubebuilder:validation:Enum=zh-CN;en
	// +kubebuilder:default=zh-CN
	// +optional
	Language string `json:"language,omitempty"`
}

// ConditionNotificationsReady is False while a channel is disabled (its
// vendor refused the key: 410 or a bad-key answer) until its Secret changes.
const ConditionNotificationsReady = "NotificationsReady"
