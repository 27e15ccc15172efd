package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// wecom is a WeCom (企业微信) group robot: POST
// {base}/cgi-bin/webhook/send?key=KEY with a markdown message. No signature:
// the key in the URL is the secret. 20 messages a minute per robot.
type wecom struct {
	s    Settings
	c    *http.Client
	base string
}

// wecomMarkdownLimit is the markdown content's documented maximum, in bytes.
const wecomMarkdownLimit = 4096

// WeCom's error codes: 93000 the webhook address is invalid (the robot was
// removed or the key is wrong); 45009 the robot sent too often.
const (
	wecomBadKey   = 93000
	wecomTooOften = 45009
)

func (w *wecom) Type() string { return TypeWeCom }

func (w *wecom) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"content": truncateBytes(m.Markdown, wecomMarkdownLimit)},
	})
	u := w.base + "/cgi-bin/webhook/send?key=" + url.QueryEscape(w.s.Key)
	answer, err := postJSON(ctx, w.c, u, body, nil, w.s.Clock())
	if err != nil {
		return err
	}
	return robotResult(answer, []int{wecomBadKey}, map[int]time.Duration{wecomTooOften: time.Minute})
}

// robotResult classifies WeCom's and DingTalk's {"errcode","errmsg"}.
func robotResult(answer []byte, badKey []int, tooFast map[int]time.Duration) error {
	a, err := decodeRobot(answer)
	if err != nil {
		return err
	}
	code := *a.ErrCode
	if code == 0 {
		return nil
	}
	msg := "robot answered " + strconv.Itoa(code) + " " + truncate(a.ErrMsg, 200)
	for _, c := range badKey {
		if code == c {
			return &Error{Disable: true, Msg: msg}
		}
	}
	if d, ok := tooFast[code]; ok {
		return &Error{RetryAfter: d, Msg: msg}
	}
	return &Error{Msg: msg}
}
