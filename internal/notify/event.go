package notify

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// EventKind is what happened. The values are the webhook payload's "type"
// (without its "countyreport." prefix) and the metric's event label.
type EventKind string

const (
	EventReminder            EventKind = "reminder"             // N days before the deadline, to a county that has not submitted (催报)
	EventOverdue             EventKind = "overdue"              // the day after the deadline, to the county and the city
	EventSubmitted           EventKind = "submitted"            // a county submitted a period, to the city
	EventResubmitted         EventKind = "resubmitted"          // a county changed a returned period, to the city
	EventReturned            EventKind = "returned"             // the city returned a submission with a comment, to the county
	EventAccepted            EventKind = "accepted"             // the city accepted a submission, to the county
	EventPublished           EventKind = "published"            // a period's report was published, to the tenant
	EventRunFailed           EventKind = "run_failed"           // a ReportRun failed, to municipal IT
	EventCredentialsExpiring EventKind = "credentials_expiring" // storage credentials or a certificate expire soon, to municipal IT
	EventTest                EventKind = "test"                 // a test message asked for by municipal IT
)

// Kinds lists every event kind, in the order the docs and routes use.
var Kinds = []EventKind{EventReminder, EventOverdue, EventSubmitted, EventResubmitted,
	EventReturned, EventAccepted, EventPublished, EventRunFailed, EventCredentialsExpiring, EventTest}

// Valid says whether k is a known kind.
func (k EventKind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Event is one thing that happened to one tenant. Everything a message says
// comes from here; the texts around it come from the templates.
type Event struct {
	Kind EventKind `json:"kind"`
	// Tenant is the 6-digit code of the county or city the event is about
	// and whose channels receive it.
	Tenant string `json:"tenant"`
	// TenantName and TenantNameEn name it in Chinese and English.
	TenantName   string `json:"tenantName"`
	TenantNameEn string `json:"tenantNameEn,omitempty"`
	// County names the county the event is about when it goes to the city
	// (submitted, resubmitted, overdue): "衡南县 (430422)".
	County   string `json:"county,omitempty"`
	CountyEn string `json:"countyEn,omitempty"`
	// City and CityEn name the reviewing city (returned, accepted).
	City   string `json:"city,omitempty"`
	CityEn string `json:"cityEn,omitempty"`
	// Period is the month concerned (YYYY-MM), if any.
	Period string `json:"period,omitempty"`
	// Ref tells apart events of the same kind, tenant and period that are
	// different happenings: the dataset's sha256 for a submission, the
	// verdict's time for a return, the run's name for a failure. Empty for
	// events that happen once per period (a reminder, an overdue notice).
	Ref string `json:"ref,omitempty"`
	// Comment is the city's comment on a returned or accepted submission.
	Comment string `json:"comment,omitempty"`
	// Reason is why a run failed, or what is expiring.
	Reason string `json:"reason,omitempty"`
	// Due is the deadline (reminder, overdue) or the expiry (credentials).
	Due time.Time `json:"due,omitempty"`
	// Link is the absolute address of the portal page to open.
	Link string `json:"link,omitempty"`
	// At is when it happened.
	At time.Time `json:"at"`
	// Attachment is the report's PDF for a published event, when small enough.
	Attachment *Attachment `json:"-"`
}

// Attachment is a file sent with a message where the channel allows.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

var (
	codeRE   = regexp.MustCompile(`^[0-9]{6}$`)
	periodRE = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	refRE    = regexp.MustCompile(`^[A-Za-z0-9._:-]{0,80}$`)
)

// Validate refuses an event that could not be keyed or rendered.
func (e Event) Validate() error {
	switch {
	case !e.Kind.Valid():
		return fmt.Errorf("event kind %q is not one of %v", e.Kind, Kinds)
	case !codeRE.MatchString(e.Tenant):
		return fmt.Errorf("event tenant %q is not a 6-digit code", e.Tenant)
	case e.Period != "" && !periodRE.MatchString(e.Period):
		return fmt.Errorf("event period %q is not YYYY-MM", e.Period)
	case !refRE.MatchString(e.Ref):
		return fmt.Errorf("event ref %q: at most 80 of A-Z a-z 0-9 . _ : -", e.Ref)
	}
	return nil
}

// Key is the event's idempotency key: the same happening always gives the
// same key, so enqueuing it twice (a re-evaluated schedule, a second
// manager) makes one record. Safe as an object-key segment.
func (e Event) Key() string {
	parts := []string{string(e.Kind), e.Tenant}
	if e.Period != "" {
		parts = append(parts, e.Period)
	}
	if e.Ref != "" {
		parts = append(parts, strings.ReplaceAll(e.Ref, ":", "-"))
	}
	return strings.Join(parts, ".")
}
