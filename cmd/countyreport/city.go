package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

func init() {
	register("city", "a city's tools: rank its counties, the month's board, its report, accept or return a submission (rank|board|report|review)",
		func(ctx context.Context, args []string) error { return runCity(ctx, args, os.Stdout, os.Stderr) })
}

const cityUsage = `usage:
  countyreport city rank   --city FILE --period YYYY-MM (--datasets DIR | --members DIR) [--json] [--publish --bucket B]
  countyreport city board  --city FILE --period YYYY-MM --members DIR
  countyreport city report --city FILE --period YYYY-MM --datasets DIR --out DIR [--lang zh-CN|en]
  countyreport city review --members DIR --county CODE --period YYYY-MM --by NAME (--accept | --return --comment TEXT)

--city is the CityReport manifest (config/samples/city.yaml); --members is the
city's member credentials Secret mounted as files (<city>-members); --datasets
is a folder of dataset files (YAML or JSON) for offline ranking.
`

type cityFlags struct {
	city, period, datasets, members string
	county, by, comment             string
	accept, ret, asJSON, publish    bool
	bucket, out                     string
	lang                            string
	storage                         storage.Config
}

func parseCityFlags(sub string, args []string, stderr io.Writer) (*cityFlags, error) {
	cfg, err := storage.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	f := &cityFlags{storage: cfg}
	fs := flag.NewFlagSet("city "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, cityUsage, "\nflags:\n"); fs.PrintDefaults() }
	fs.StringVar(&f.city, "city", "", "CityReport manifest (YAML)")
	fs.StringVar(&f.period, "period", "", "period YYYY-MM")
	fs.StringVar(&f.datasets, "datasets", "", "folder of dataset files (offline ranking)")
	fs.StringVar(&f.members, "members", "", "the member credentials Secret, mounted as files")
	fs.StringVar(&f.county, "county", "", "county code (review)")
	fs.StringVar(&f.by, "by", "", "reviewer's name, recorded with the verdict")
	fs.StringVar(&f.comment, "comment", "", "what is wrong (required with --return)")
	fs.BoolVar(&f.accept, "accept", false, "accept the county's submission")
	fs.BoolVar(&f.ret, "return", false, "return the county's submission with --comment")
	fs.BoolVar(&f.asJSON, "json", false, "print the ranking as JSON (result and input)")
	fs.BoolVar(&f.publish, "publish", false, "store the ranking in the city's bucket (rankings/<period>/ranking.json)")
	fs.StringVar(&f.bucket, "bucket", os.Getenv(storage.EnvBucket), "the city's bucket (env "+storage.EnvBucket+")")
	fs.StringVar(&f.out, "out", "", "folder to write the city's report.pdf and its charts into (report)")
	fs.StringVar(&f.lang, "lang", "", "the report's edition, zh-CN or en (report; default: the manifest's spec.report.language)")
	f.storage.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.period != "" {
		if _, err := period.Parse(f.period); err != nil {
			return nil, fmt.Errorf("--period: %v", err)
		}
	}
	need := func(ok bool, msg string) error {
		if !ok {
			return errors.New(msg)
		}
		return nil
	}
	switch sub {
	case "rank":
		err = errors.Join(need(f.city != "", "--city is required"), need(f.period != "", "--period is required"),
			need((f.datasets == "") != (f.members == ""), "give one of --datasets or --members"),
			need(!f.publish || f.bucket != "", "--publish needs --bucket"))
	case "report":
		err = errors.Join(need(f.city != "", "--city is required"), need(f.period != "", "--period is required"),
			need(f.datasets != "", "--datasets is required"), need(f.out != "", "--out is required"),
			need(f.lang == "" || f.lang == "zh-CN" || f.lang == "en", "--lang: want zh-CN or en"))
	case "board":
		err = errors.Join(need(f.city != "", "--city is required"), need(f.period != "", "--period is required"),
			need(f.members != "", "--members is required"))
	case "review":
		err = errors.Join(need(f.members != "", "--members is required"), need(f.county != "", "--county is required"),
			need(f.period != "", "--period is required"), need(f.by != "", "--by is required"),
			need(f.accept != f.ret, "give one of --accept or --return"),
			need(!f.ret || f.comment != "", "--return needs --comment (退回须填写意见)"))
	default:
		err = fmt.Errorf("unknown city subcommand %q (rank, board, report or review)", sub)
	}
	return f, err
}

func runCity(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stderr, cityUsage)
		return flag.ErrHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, cityUsage)
		return errors.New("missing subcommand (rank, board, report or review)")
	}
	f, err := parseCityFlags(args[0], args[1:], stderr)
	if err != nil {
		return err
	}
	switch args[0] {
	case "rank":
		return cityRank(ctx, f, stdout)
	case "board":
		return cityBoard(ctx, f, stdout)
	case "report":
		return cityReport(f, stdout)
	default:
		return cityReview(ctx, f, stdout)
	}
}

// readCity reads the CityReport out of a (multi-document) manifest.
func readCity(path string) (*v1alpha1.CityReport, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, doc := range bytes.Split(raw, []byte("\n---")) {
		var c v1alpha1.CityReport
		if err := yaml.Unmarshal(doc, &c); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if c.Kind == "CityReport" {
			return &c, nil
		}
	}
	return nil, fmt.Errorf("%s: no CityReport in it", path)
}

// memberNames maps each listed member's code to the name shown when it sent
// nothing: the county's name from a CountyReport manifest in the city
// manifest's folder (as in config/samples), else its code. The datasets
// give the names of the others.
func memberNames(cityFile string, c *v1alpha1.CityReport, codes []string) map[string]string {
	known := countyNames(filepath.Dir(cityFile))
	names := map[string]string{}
	for _, m := range c.Spec.Members {
		if m.Code != "" {
			codes = append(codes, m.Code)
		}
	}
	for _, code := range codes {
		names[code] = code
		if n, ok := known[code]; ok {
			names[code] = n.Name
		}
	}
	return names
}

// countyNames reads the county identities of the CountyReport manifests in dir, by code.
func countyNames(dir string) map[string]v1alpha1.CountyIdentity {
	out := map[string]v1alpha1.CountyIdentity{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, doc := range bytes.Split(raw, []byte("\n---")) {
			var cr v1alpha1.CountyReport
			if yaml.Unmarshal(doc, &cr) == nil && cr.Kind == "CountyReport" {
				out[cr.Spec.County.Code] = cr.Spec.County
			}
		}
	}
	return out
}

// offlineDatasets reads every dataset file in dir that is for period and
// for one of codes.
func offlineDatasets(dir, period string, names map[string]string) (map[string]*dataset.Dataset, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return nil, err
	}
	out := map[string]*dataset.Dataset{}
	for _, file := range files {
		ext := strings.ToLower(filepath.Ext(file))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		d, err := dataset.Parse(raw, file)
		if err != nil {
			return nil, err
		}
		if _, listed := names[d.Meta.CountyCode]; !listed || d.Meta.Period != period {
			continue
		}
		if out[d.Meta.CountyCode] != nil {
			return nil, fmt.Errorf("%s: a second dataset of %s for %s", file, d.Meta.CountyCode, period)
		}
		out[d.Meta.CountyCode] = d
	}
	return out, nil
}

func openMembers(f *cityFlags) (*city.Members, error) {
	data, err := city.ReadSecretDir(f.members)
	if err != nil {
		return nil, fmt.Errorf("--members: %v", err)
	}
	return city.Open(data, storage.Config{CABundle: f.storage.CABundle})
}

func cityRank(ctx context.Context, f *cityFlags, stdout io.Writer) error {
	c, err := readCity(f.city)
	if err != nil {
		return err
	}
	var datasets map[string]*dataset.Dataset
	var names map[string]string
	if f.datasets != "" {
		names = memberNames(f.city, c, nil)
		if datasets, err = offlineDatasets(f.datasets, f.period, names); err != nil {
			return err
		}
	} else {
		members, err := openMembers(f)
		if err != nil {
			return err
		}
		names = memberNames(f.city, c, members.Codes())
		datasets = map[string]*dataset.Dataset{}
		for _, code := range members.Codes() {
			if datasets[code], err = members.Dataset(ctx, code, f.period); err != nil {
				return err
			}
		}
	}
	res, err := ranking.Compute(city.RankingInput(c.Spec, f.period, datasets, names))
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if f.publish {
		client, err := storage.New(f.storage)
		if err != nil {
			return err
		}
		if _, err := client.Archive(f.bucket).PutRanking(ctx, f.period, out); err != nil {
			return err
		}
	}
	if f.asJSON {
		_, err := stdout.Write(append(out, '\n'))
		return err
	}
	return printRanking(stdout, c, res)
}

// tableWords are key's words as the CLI's tables write them: Chinese,
// a space, English ("排名 rank"), narrower than "中文 / English" for a
// column.
func tableWords(key string) string {
	return messages.T(messages.Zh, key) + " " + messages.T(messages.En, key)
}

// methodKeys, measureKeys, directionKeys and stateKeys are the catalogue
// keys of the ranking's and the review's names in the CLI's tables.
var (
	methodKeys = map[string]string{
		ranking.MinMax: "cli.city.method.minmax", ranking.Efficacy: "cli.city.method.efficacy", ranking.ZScore: "cli.city.method.zscore",
	}
	measureKeys   = map[string]string{ranking.Value: "cli.city.measure.value", ranking.Change: "cli.city.measure.change"}
	directionKeys = map[string]string{ranking.Higher: "cli.city.direction.higher", ranking.Lower: "cli.city.direction.lower"}
	stateKeys     = map[string]string{
		review.NotSubmitted: "cli.city.state.notSubmitted", review.Overdue: "cli.city.state.overdue", review.Submitted: "cli.city.state.submitted",
		review.Resubmitted: "cli.city.state.resubmitted", review.Returned: "cli.city.state.returned", review.Accepted: "cli.city.state.accepted",
	}
)

// named is the table words of name's key in keys; "" for a name without one.
func named(keys map[string]string, name string) string {
	if key, ok := keys[name]; ok {
		return tableWords(key)
	}
	return ""
}

// printRanking writes the comparison as tables, Chinese first.
func printRanking(w io.Writer, c *v1alpha1.CityReport, res *ranking.Result) error {
	fmt.Fprintf(w, "%s %s %s\n", c.Spec.City.Name, res.Input.Period, messages.Both("cli.city.comparison"))
	if len(res.Composite) > 0 {
		fmt.Fprintf(w, "\n%s — %s\n", tableWords("cli.city.composite"), named(methodKeys, res.Input.Method))
		for _, t := range res.Input.Terms {
			fmt.Fprintf(w, "  %s (%s) %s %d, %s\n", t.ID, named(measureKeys, t.Measure), tableWords("cli.city.weight"), t.Weight, named(directionKeys, t.Direction))
		}
		var tb table
		tb.add(tableWords("cli.city.rank"), tableWords("cli.city.county"), tableWords("cli.city.score"))
		for _, s := range res.Composite {
			if s.Score == nil {
				tb.add("—", s.Name, strings.TrimSpace(s.Missing+" "+s.Lacking()))
				continue
			}
			tb.add(strconv.Itoa(s.Rank), s.Name, fmt.Sprintf("%.2f", *s.Score))
		}
		if err := tb.write(w); err != nil {
			return err
		}
	}
	for _, r := range res.Indicators {
		fmt.Fprintf(w, "\n%s %s (%s, %s)\n", r.Name, r.NameEn, r.ID, named(measureKeys, r.Measure))
		var tb table
		tb.add(tableWords("cli.city.rank"), tableWords("cli.city.county"), unitHeader(r))
		for _, row := range r.Rows {
			if row.Rank == 0 {
				tb.add("—", row.Name, row.Missing)
				continue
			}
			tb.add(strconv.Itoa(row.Rank), row.Name, row.Literal)
		}
		if err := tb.write(w); err != nil {
			return err
		}
	}
	return nil
}

func unitHeader(r ranking.Ranking) string {
	if r.Measure == ranking.Change {
		return tableWords("cli.city.growthUnit")
	}
	return r.Unit
}

func cityBoard(ctx context.Context, f *cityFlags, stdout io.Writer) error {
	c, err := readCity(f.city)
	if err != nil {
		return err
	}
	members, err := openMembers(f)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(c.Spec.Review.TimeZone)
	if err != nil || c.Spec.Review.TimeZone == "" {
		loc, _ = time.LoadLocation("Asia/Shanghai")
	}
	day := int(c.Spec.Review.DeadlineDay)
	if day == 0 {
		day = 5
	}
	p, _ := period.Parse(f.period)
	deadline := review.Deadline(p, day, loc)
	fmt.Fprintf(stdout, "%s %s %s, %s %s\n", c.Spec.City.Name, f.period, messages.Both("cli.city.submissions"), tableWords("cli.city.due"), deadline.Format("2006-01-02 15:04 MST"))
	var tb table
	tb.add(tableWords("cli.city.county"), tableWords("cli.city.state"), tableWords("cli.city.submittedAt"), tableWords("cli.city.lastVerdict"))
	for _, code := range members.Codes() {
		s, err := members.Status(ctx, code, f.period, deadline, time.Now())
		if err != nil {
			return err
		}
		at, last := "—", "—"
		if !s.SubmittedAt.IsZero() {
			at = s.SubmittedAt.In(loc).Format("2006-01-02 15:04")
		}
		if s.Last != nil {
			last = strings.TrimSpace(fmt.Sprintf("%s %s %s", s.Last.Verdict, s.Last.By, s.Last.Comment))
		}
		tb.add(code, named(stateKeys, s.State), at, last)
	}
	return tb.write(stdout)
}

func cityReview(ctx context.Context, f *cityFlags, stdout io.Writer) error {
	members, err := openMembers(f)
	if err != nil {
		return err
	}
	verdict := review.VerdictAccepted
	if f.ret {
		verdict = review.VerdictReturned
	}
	log, err := members.Verdict(ctx, f.county, f.period, verdict, f.by, f.comment, time.Now())
	if err != nil {
		return err
	}
	last := log.Entries[len(log.Entries)-1]
	fmt.Fprintf(stdout, "%s %s: %s by %s at %s (dataset %s)\n", f.county, f.period, last.Verdict, last.By, last.At.Format(time.RFC3339), last.DatasetSHA256[:12])
	return nil
}
