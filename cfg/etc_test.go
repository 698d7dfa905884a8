package cfg

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// etc returns a shipped file of ../etc.
func etc(t testing.TB, name string) Source {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "etc", name))
	require.NoError(t, err)
	return Source{Name: name, Data: data}
}

func TestEtc(t *testing.T) {
	logCfg, prodCfg := etc(t, "log.cfg"), etc(t, "prod.cfg")
	minimal := values(mustDefault(t, "minimal"))

	t.Run("log.cfg is the minimal profile", func(t *testing.T) {
		assert.Equal(t, minimal, values(mustParse(t, logCfg)))
	})
	t.Run("prod.cfg changes nothing", func(t *testing.T) {
		c := mustParse(t, logCfg, prodCfg)
		assert.Equal(t, minimal, values(c))
		assert.Equal(t, []string{"log.cfg", "prod.cfg"}, c.Files)
		assert.Equal(t, minimal, values(mustParse(t, prodCfg)))
	})
	t.Run("log.cfg shows every key of the profile", func(t *testing.T) {
		// Active, or commented out where the profiles differ.
		pf, errs := parseFile("minimal", 0, must(profileFS.ReadFile("profiles/minimal.cfg")))
		require.Empty(t, errs)
		text := string(logCfg.Data)
		for _, s := range pf.sections {
			start := strings.Index(text, "\n["+s.id+"]")
			require.GreaterOrEqual(t, start, 0, s.id)
			end := strings.Index(text[start+1:], "\n[")
			if end < 0 {
				end = len(text) - start - 1
			}
			body := text[start : start+1+end]
			for _, e := range s.entries {
				re := regexp.MustCompile(`(?m)^(# )?` + regexp.QuoteMeta(e.key) + ` = ` + regexp.QuoteMeta(e.value) + `( +;.*)?$`)
				assert.Regexp(t, re, body, "[%s] %s", s.id, e.key)
			}
		}
	})
	t.Run("the samples in prod.cfg parse", func(t *testing.T) {
		c := mustParse(t, logCfg, Source{Name: "prod.cfg", Data: uncomment(prodCfg.Data)})
		assert.Equal(t, "disk", c.Runtime.Profile)
		assert.Equal(t, "/media/usb0/gwlog", c.Runtime.Disk)
		assert.Equal(t, "INFO", c.Loggers[0].Level.String(), "the disk profile raises root, as log.cfg leaves it")
		require.Len(t, c.Forwards, 1)
		assert.Equal(t, "local3.err", formatPriority(c.Forwards[0].Facility, c.Forwards[0].Severity))
		heating := c.Loggers[len(c.Loggers)-1]
		assert.Equal(t, "WebBrickGateway.Heating", heating.Name)
		assert.Equal(t, "DEBUG for 15m", loggerKeys[0].get(&heating))
		assert.Equal(t, 10, c.Streams[3].Keep)
	})
	t.Run("the samples in log.cfg parse", func(t *testing.T) {
		c := mustParse(t, Source{Name: "log.cfg", Data: uncomment(logCfg.Data)})
		assert.Equal(t, "debug", c.Streams[3].Name)
		assert.Equal(t, 30*time.Second, c.Streams[3].Dedup)
	})
	t.Run("log.cfg with the disk profile is the disk profile", func(t *testing.T) {
		c := mustParse(t, logCfg, src("prod.cfg", "[runtime]\nprofile = disk\n"))
		assert.Equal(t, values(mustDefault(t, "disk")), values(c))
	})
}

// uncomment turns "# key = value" and "# [section]" lines into settings.
func uncomment(data []byte) []byte {
	re := regexp.MustCompile(`(?m)^# (\[|[a-z_]+ = )`)
	return re.ReplaceAll(data, []byte("$1"))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
