package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/carto-mcp/carto-mcp/httpserve"
)

// k8sObject is the part of a Kubernetes manifest the example's test reads.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		// Deployment
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []k8sContainer `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
		// Service (selector is a plain map there) and HorizontalPodAutoscaler
		ServiceSelector map[string]string `yaml:"-"`
		SessionAffinity string            `yaml:"sessionAffinity"`
		Ports           []struct {
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		Metrics []struct {
			Resource struct {
				Name string `yaml:"name"`
			} `yaml:"resource"`
		} `yaml:"metrics"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Args []string `yaml:"args"`
	Env  []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom any    `yaml:"valueFrom"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	ReadinessProbe k8sProbe `yaml:"readinessProbe"`
	LivenessProbe  k8sProbe `yaml:"livenessProbe"`
}

type k8sProbe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// TestKubernetesExampleMatchesTheServer: the example deployment's flags and
// environment are ones the server accepts, its probes are the server's health
// paths on the port it listens on, and the Service and the autoscaler point at
// the Deployment.
func TestKubernetesExampleMatchesTheServer(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../examples/kubernetes/carto-mcp.yaml")
	require.NoError(t, err)
	objects := map[string]k8sObject{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		var o k8sObject
		require.NoError(t, doc.Decode(&o))
		if o.Kind == "Service" {
			var svc struct {
				Spec struct {
					Selector map[string]string `yaml:"selector"`
				} `yaml:"spec"`
			}
			require.NoError(t, doc.Decode(&svc))
			o.Spec.ServiceSelector = svc.Spec.Selector
		}
		objects[o.Kind] = o
	}
	dep, svc, hpa := objects["Deployment"], objects["Service"], objects["HorizontalPodAutoscaler"]
	require.Len(t, dep.Spec.Template.Spec.Containers, 1)
	c := dep.Spec.Template.Spec.Containers[0]

	// The flags and variables parse, and make a stateless HTTP server with
	// authentication, which may listen on all interfaces.
	vars := map[string]string{}
	for _, e := range c.Env {
		vars[e.Name] = e.Value
		if e.ValueFrom != nil {
			vars[e.Name] = "a-secret-from-the-cluster-0123456789" // the Secret's value
		}
	}
	cfg, err := parseFlags(c.Args, func(k string) string { return vars[k] }, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "http", cfg.transport)
	assert.True(t, cfg.stateless)
	assert.NotEmpty(t, cfg.taskSecret, "replicas share a task secret")
	require.NoError(t, httpserve.CheckListenAddr(cfg.addr, httpserve.Security{BearerToken: cfg.httpToken, PerRequestCARTOToken: cfg.perRequestToken},
		cfg.insecureRemote))
	_, port, err := net.SplitHostPort(cfg.addr)
	require.NoError(t, err)
	require.Len(t, c.Ports, 1)
	assert.Equal(t, port, strconv.Itoa(c.Ports[0].ContainerPort))

	assert.Equal(t, httpserve.ReadyzPath, c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, httpserve.HealthzPath, c.LivenessProbe.HTTPGet.Path)
	for _, p := range []string{c.ReadinessProbe.HTTPGet.Port, c.LivenessProbe.HTTPGet.Port, svc.Spec.Ports[0].TargetPort} {
		assert.Equal(t, c.Ports[0].Name, p)
	}

	assert.Equal(t, dep.Spec.Selector.MatchLabels, dep.Spec.Template.Metadata.Labels)
	assert.Equal(t, dep.Spec.Selector.MatchLabels, svc.Spec.ServiceSelector)
	assert.True(t, svc.Spec.SessionAffinity == "" || strings.EqualFold(svc.Spec.SessionAffinity, "None"), "no session affinity")
	assert.Equal(t, "Deployment", hpa.Spec.ScaleTargetRef.Kind)
	assert.Equal(t, dep.Metadata.Name, hpa.Spec.ScaleTargetRef.Name)
	require.Len(t, hpa.Spec.Metrics, 1)
	assert.Equal(t, "cpu", hpa.Spec.Metrics[0].Resource.Name)
}
