package cfg

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// src is a Source from text.
func src(name, text string) Source { return Source{Name: name, Data: []byte(text)} }

// mustParse parses sources and fails the test on an error.
func mustParse(t testing.TB, sources ...Source) *Config {
	t.Helper()
	c, err := Parse(sources...)
	require.NoError(t, err)
	require.NotNil(t, c)
	return c
}

// parseErr parses sources, which must fail, and returns the error text.
func parseErr(t testing.TB, sources ...Source) string {
	t.Helper()
	c, err := Parse(sources...)
	require.Error(t, err)
	assert.Nil(t, c)
	return err.Error()
}

// mustDefault returns an embedded profile.
func mustDefault(t testing.TB, profile string) *Config {
	t.Helper()
	c, err := Default(profile)
	require.NoError(t, err)
	return c
}

// values returns a copy of c without Origins and Files, for comparing the
// settings of two Configs.
func values(c *Config) Config {
	v := *c
	v.Origins, v.Files = nil, nil
	return v
}

// written returns c.WriteTo's output.
func written(t testing.TB, c *Config) string {
	t.Helper()
	var b bytes.Buffer
	n, err := c.WriteTo(&b)
	require.NoError(t, err)
	require.Equal(t, int64(b.Len()), n)
	return b.String()
}
