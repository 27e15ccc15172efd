package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// dingtalk is a DingTalk (钉钉) custom robot: POST
// {base}/robot/send?access_token=T&timestamp=MS&sign=S with a markdown
// message. With a signing secret (加签), S = urlencode(base64(HMAC-SHA256(
// key=secret, msg=timestamp_ms+"\n"+secret))); DingTalk refuses a timestamp
// more than an hour off. 20 messages a minute, then 10 minutes throttled.
type dingtalk struct {
	s    Settings
	c    *http.Client
	base string
}

// DingTalk's error codes: 310000 the signature, keyword or IP check failed;
// 300001 and 300005 the token does not exist; 130101 sent too fast.
var (
	dingtalkBadKey  = []int{310000, 300001, 300005}
	dingtalkTooFast = map[int]time.Duration{130101: 10 * time.Minute}
)

// dingtalkTextLimit bounds the markdown text (DingTalk documents 20000 bytes).
const dingtalkTextLimit = 20000

func (d *dingtalk) Type() string { return TypeDingTalk }

// dingtalkSign is the documented signature of ms with secret, not yet URL-encoded.
func dingtalkSign(secret string, ms int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ms, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (d *dingtalk) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]any{
		"msgtype": "markdown",
		"markdown": map[string]string{
			"title": m.Subject,
			"text":  truncateBytes(m.Markdown, dingtalkTextLimit),
		},
	})
	now := d.s.Clock()
	q := url.Values{"access_token": {d.s.Key}}
	if d.s.Secret != "" {
		ms := now.UnixMilli()
		q.Set("timestamp", strconv.FormatInt(ms, 10))
		q.Set("sign", dingtalkSign(d.s.Secret, ms)) // Encode() URL-encodes it
	}
	answer, err := postJSON(ctx, d.c, d.base+"/robot/send?"+q.Encode(), body, nil, now)
	if err != nil {
		return err
	}
	return robotResult(answer, dingtalkBadKey, dingtalkTooFast)
}
