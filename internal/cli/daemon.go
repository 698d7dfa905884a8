package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tinylib/msgp/msgp"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
)

// client is the source of a running gwlogd: it talks to its HTTP API at
// base. token, when set, goes as a Bearer credential (an API on a
// non-loopback address requires one).
type client struct{ base, token string }

func (c *client) name() string { return "gwlogd" }
func (c *client) close() error { return nil }

// get is fetch for the default content type.
func (c *client) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	return c.fetch(ctx, path, q, "")
}

// fetch GETs path?q from gwlogd asking for accept, and returns the
// response of a 200 for the caller to read and close. The daemon's 400
// (a bad parameter, which it names) is a usage error, its 404 matches
// errNotFound; any other failure is a runtime one.
func (c *client) fetch(ctx context.Context, path string, q url.Values, accept string) (*http.Response, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach gwlogd at %s: %w", c.base, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		e.Error = strings.TrimSpace(string(b))
	}
	switch resp.StatusCode {
	case http.StatusBadRequest:
		return nil, fmt.Errorf("%w: %s", errUsage, e.Error)
	case http.StatusNotFound:
		return nil, &tagged{msg: fmt.Sprintf("gwlogd: %s (%s)", e.Error, resp.Status), tag: errNotFound}
	}
	return nil, fmt.Errorf("gwlogd: %s (%s)", e.Error, resp.Status)
}

// getJSON GETs path and decodes its JSON answer into v.
func (c *client) getJSON(ctx context.Context, path string, v any) error {
	resp, err := c.fetch(ctx, path, nil, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("gwlogd sent bad JSON: %w", err)
	}
	return nil
}

// tail reads GET /streams/{name}: text, or with follow Server-Sent
// Events, one line each.
func (c *client) tail(ctx context.Context, w io.Writer, stream string, tq tailQuery) error {
	q := url.Values{"n": {strconv.Itoa(tq.n)}}
	for k, v := range tq.filter {
		q[k] = v
	}
	follow := tq.follow
	if follow {
		q.Set("follow", "1")
	}
	resp, err := c.get(ctx, "/streams/"+url.PathEscape(stream), q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !follow {
		_, err = io.Copy(w, resp.Body)
		return err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if _, err := fmt.Fprintln(w, line); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		return nil // interrupted: a normal end for tail -f
	}
	return sc.Err()
}

// events reads GET /events as msgpack.
func (c *client) events(ctx context.Context, q url.Values, f func(*eventlog.Event) error) error {
	resp, err := c.fetch(ctx, "/events", q, httplog.MsgpackType)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return readEvents(resp.Body, f)
}

// readEvents decodes the msgpack records of GET /events from r and calls
// f with each. The daemon's closing map, if any, becomes the returned
// error once the events before it are through.
func readEvents(r io.Reader, f func(*eventlog.Event) error) error {
	rd := msgp.NewReader(r)
	var raw bytes.Buffer
	var ev eventlog.Event
	for {
		t, err := rd.NextType()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("gwlogd sent bad msgpack: %w", err)
		}
		raw.Reset()
		if _, err := rd.CopyNext(&raw); err != nil {
			return fmt.Errorf("gwlogd sent bad msgpack: %w", err)
		}
		if t == msgp.MapType {
			m, _, err := msgp.ReadMapStrIntfBytes(raw.Bytes(), nil)
			if msg, ok := m["error"].(string); err == nil && ok {
				return &tagged{msg: "gwlogd: " + msg, tag: errSkipped}
			}
			return fmt.Errorf("gwlogd sent an unexpected map: %v", m)
		}
		ev = eventlog.Event{}
		if _, err := ev.UnmarshalMsg(raw.Bytes()); err != nil {
			return fmt.Errorf("gwlogd sent a bad event: %w", err)
		}
		if err := f(&ev); err != nil {
			return err
		}
	}
}

// series reads GET /series.
func (c *client) series(ctx context.Context, q url.Values) (httplog.SeriesAnswer, error) {
	var ans httplog.SeriesAnswer
	resp, err := c.fetch(ctx, "/series", q, "application/json")
	if err != nil {
		return ans, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return ans, fmt.Errorf("reading from gwlogd: %w", err)
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return ans, fmt.Errorf("gwlogd sent bad JSON: %w", err)
	}
	return ans, nil
}

// stats reads GET /stats: the streams and the disk path of gwlog.Stats.
func (c *client) stats(ctx context.Context) (*report, error) {
	var r report
	if err := c.getJSON(ctx, "/stats", &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// files reads GET /files.
func (c *client) files(ctx context.Context) ([]httplog.FileInfo, error) {
	var list []httplog.FileInfo
	if err := c.getJSON(ctx, "/files", &list); err != nil {
		return nil, err
	}
	return list, nil
}

// file reads GET /files/{name}. Its size is the answer's length, which
// gwlogd sends (the whole answer is read when it does not).
func (c *client) file(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	resp, err := c.get(ctx, "/files/"+url.PathEscape(name), nil)
	if err != nil {
		return nil, 0, err
	}
	if resp.ContentLength >= 0 {
		return resp.Body, resp.ContentLength, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s from gwlogd: %w", name, err)
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}
