package portal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/storage"
)

// TestNotificationsPage: the page lists what the operator recorded in the
// county's outbox, in both languages, escaped; the county's own
// credentials cannot forge or erase an entry.
func TestNotificationsPage(t *testing.T) {
	c := newCounty(t, fictional)
	ctx := testCtx(t)
	admin, err := storage.New(minio.RootConfig())
	mustDo(t, err)
	outbox := admin.Archive(c.Bucket)
	at := time.Date(2023, 2, 7, 10, 0, 0, 0, time.UTC)
	// A made-up verdict for the test fixture county.
	e := notify.Event{Kind: notify.EventReturned, Tenant: "999001", TenantName: "样例县", TenantNameEn: "Yangli County (test fixture)",
		City: "样例市", CityEn: "Yangli City", Period: "2023-01", Ref: "20230207t100000z", Comment: `<b>请核实</b>`, At: at}
	rs := []notify.Recipient{
		{Channel: "office", ChannelType: notify.TypeMail, To: "staff@yangli.example.org", Lang: "zh-CN"},
		{Channel: "group", ChannelType: notify.TypeWeCom, Lang: "en"},
	}
	if n, err := notify.Enqueue(ctx, outbox, e, rs, at); err != nil || n != 2 {
		t.Fatalf("enqueue: %d, %v", n, err)
	}

	zh := c.newUser(t)
	zh.signIn("viewer", viewerPassword)
	expectPage(t, zh, "/notifications", []string{"通知记录", "【退回】样例县 2023-01 数据被退回", "邮件 · office",
		"staff@yangli.example.org", "企业微信 · group", "群机器人", "等待发送", "2023-02-07 18:00"}, []string{"<b>"})
	en := c.newUser(t)
	en.signIn("viewer", viewerPassword)
	en.english()
	expectPage(t, en, "/notifications", []string{"Notifications", "Returned: Yangli County (test fixture)&#39;s figures for 2023-01",
		"Mail · office", "WeCom · group", "group robot", "Waiting"}, nil)

	// The county's credentials read the log, never write it.
	id := notify.RecordID(e, rs[0])
	if _, err := c.Archive.PutNotification(ctx, id+"x", []byte(`{}`), ""); err == nil || !errors.Is(err, storage.ErrAccessDenied) {
		t.Errorf("the county wrote into its outbox: %v", err)
	}
	if err := c.Archive.DeleteNotification(ctx, id); err == nil {
		t.Error("the county erased a notification record")
	}
	if _, _, err := c.Archive.GetNotification(ctx, id); err != nil {
		t.Errorf("the county cannot read its own log: %v", err)
	}
}
