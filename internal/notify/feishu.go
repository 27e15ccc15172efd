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

// feishu is a Feishu/Lark (飞书) custom bot: POST
// {base}/open-apis/bot/v2/hook/TOKEN. With a signing secret the body carries
// timestamp (seconds) and sign = base64(HMAC-SHA256(key=timestamp+"\n"+secret,
// msg="")): the reverse of DingTalk's, the secret is in the key and the
// message is empty. 100 messages a minute, 5 a second, 20 KB a body.
type feishu struct {
	s    Settings
	c    *http.Client
	base string
}

// Feishu's codes: 19001 the token is invalid; 19021 the signature does not
// match; 19022 the IP is not allowed; 9499 and 11232 too many requests.
var (
	feishuBadKey  = map[int]bool{19001: true, 19021: true, 19022: true}
	feishuTooFast = map[int]bool{9499: true, 11232: true}
)

// feishuTextLimit keeps the whole body under the documented 20 KB.
const feishuTextLimit = 18 << 10

func (f *feishu) Type() string { return TypeFeishu }

func feishuSign(secret string, ts int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(ts, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (f *feishu) Send(ctx context.Context, m Message) error {
	now := f.s.Clock()
	msg := map[string]any{
		"msg_type": "text",
		"content":  map[string]string{"text": truncateBytes(m.Subject+"\n\n"+m.Text, feishuTextLimit)},
	}
	if f.s.Secret != "" {
		ts := now.Unix()
		msg["timestamp"] = strconv.FormatInt(ts, 10)
		msg["sign"] = feishuSign(f.s.Secret, ts)
	}
	body, _ := json.Marshal(msg)
	answer, err := postJSON(ctx, f.c, f.base+"/open-apis/bot/v2/hook/"+url.PathEscape(f.s.Key), body, nil, now)
	if err != nil {
		return err
	}
	var a struct {
		Code       *int   `json:"code"`
		Msg        string `json:"msg"`
		StatusCode *int   `json:"StatusCode"` // the older answer's shape
	}
	if err := json.Unmarshal(answer, &a); err != nil || (a.Code == nil && a.StatusCode == nil) {
		return &Error{Msg: "unreadable answer: " + truncate(string(answer), 200)}
	}
	code := 0
	if a.Code != nil {
		code = *a.Code
	} else {
		code = *a.StatusCode
	}
	text := "bot answered " + strconv.Itoa(code) + " " + truncate(a.Msg, 200)
	switch {
	case code == 0:
		return nil
	case feishuBadKey[code]:
		return &Error{Disable: true, Msg: text}
	case feishuTooFast[code]:
		return &Error{RetryAfter: time.Minute, Msg: text}
	}
	return &Error{Msg: text}
}
