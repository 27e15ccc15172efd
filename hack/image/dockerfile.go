package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// stage is what the Dockerfile's final stage says the image holds: the
// files it copies from the build stage, the files the build stage writes
// with echo, and the user and command it runs. The image is built from
// this reading of the Dockerfile, so the two cannot drift apart.
type stage struct {
	Copies     []copyLine        // COPY --from=build SRC DST, in order
	Generated  map[string]string // build-stage path → content written by RUN echo '…' > path
	User       string
	Entrypoint []string
	Cmd        []string
}

type copyLine struct{ Src, Dst string }

var echoTo = regexp.MustCompile(`echo '([^']*)' > (/\S+)`)

// parseDockerfile reads a Dockerfile: RUN lines of every stage for the files
// they write, and COPY, USER, ENTRYPOINT and CMD of the last stage.
func parseDockerfile(r io.Reader) (*stage, error) {
	lines, err := logicalLines(r)
	if err != nil {
		return nil, err
	}
	st := &stage{Generated: map[string]string{}}
	final := false
	for _, l := range lines {
		word, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(word) {
		case "FROM":
			final = strings.HasPrefix(rest, "scratch")
			*st = stage{Generated: st.Generated}
		case "RUN":
			for _, m := range echoTo.FindAllStringSubmatch(rest, -1) {
				st.Generated[m[2]] = m[1] + "\n"
			}
		case "COPY":
			if !final {
				continue
			}
			f := strings.Fields(rest)
			if len(f) != 3 || f[0] != "--from=build" {
				return nil, fmt.Errorf("Dockerfile: %q: only COPY --from=build SRC DST is understood", l)
			}
			st.Copies = append(st.Copies, copyLine{Src: f[1], Dst: f[2]})
		case "USER":
			st.User = rest
		case "ENTRYPOINT", "CMD":
			var v []string
			if err := json.Unmarshal([]byte(rest), &v); err != nil {
				return nil, fmt.Errorf("Dockerfile: %s %s: want the JSON form: %w", word, rest, err)
			}
			if strings.EqualFold(word, "CMD") {
				st.Cmd = v
			} else {
				st.Entrypoint = v
			}
		}
	}
	if !final || len(st.Copies) == 0 {
		return nil, fmt.Errorf("Dockerfile: the last stage is not FROM scratch with COPY lines")
	}
	return st, nil
}

// logicalLines joins continuation lines and drops comments and blanks.
func logicalLines(r io.Reader) ([]string, error) {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasSuffix(l, `\`) {
			cur.WriteString(strings.TrimSuffix(l, `\`) + " ")
			continue
		}
		cur.WriteString(l)
		out = append(out, strings.Join(strings.Fields(cur.String()), " "))
		cur.Reset()
	}
	return out, sc.Err()
}
