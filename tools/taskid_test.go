package tools

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTaskIDsCarryTheirJobAndOnlyTheirSigner(t *testing.T) {
	t.Parallel()
	k := taskIDs{secret: []byte("deployment-secret-0123456789")}
	for _, tc := range [][2]string{{"carto_dw", "job_000001"}, {"a.b/c d", "id with\x00nul?"}, {"ü", "🙂"}} {
		id := k.mint(tc[0], tc[1])
		assert.True(t, strings.HasPrefix(id, taskIDPrefix), id)
		conn, job, ours, ok := k.parse(id)
		assert.True(t, ours && ok, id)
		assert.Equal(t, tc[0], conn)
		assert.Equal(t, tc[1], job)
	}

	id := k.mint("carto_dw", "job_000001")
	other := taskIDs{secret: []byte("another-deployment-secret-987")}
	_, _, ours, ok := other.parse(id)
	assert.True(t, ours)
	assert.False(t, ok, "another deployment's secret does not verify")

	payload, sig, _ := strings.Cut(strings.TrimPrefix(id, taskIDPrefix), ".")
	forgedPayload := taskIDPrefix + taskIDEncoding.EncodeToString([]byte("carto_dw\x00job_000002")) + "." + sig
	for _, bad := range []string{
		forgedPayload,                    // another job under this job's MAC
		id[:len(id)-1],                   // a MAC cut short
		taskIDPrefix + payload,           // no MAC
		taskIDPrefix + "." + sig,         // no payload
		taskIDPrefix + payload + ".!!!!", // a MAC that is not base64
		taskIDPrefix + "%%%." + sig,      // a payload that is not base64
	} {
		_, _, ours, ok := k.parse(bad)
		assert.True(t, ours, bad)
		assert.False(t, ok, bad)
	}
	for _, notOurs := range []string{"", "5c7d1a2e-0f7b-4b8e-9d8a-1f2e3d4c5b6a", "cj2.x.y"} {
		_, _, ours, _ := k.parse(notOurs)
		assert.False(t, ours, notOurs)
	}
}
