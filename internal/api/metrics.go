package api

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the HTTP server's Prometheus metrics, labelled by route pattern (never by raw
// path, so ids cannot explode the label space).
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics registers the HTTP metrics, and a gauge of the live calls this process holds
// (read from held at each scrape), on reg.
func newMetrics(reg *prometheus.Registry, held func() int) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dialtone_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dialtone_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	calls := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dialtone_calls_held",
		Help: "Live calls this server process holds (placed or answered, not yet ended).",
	}, func() float64 { return float64(held()) })
	reg.MustRegister(m.requests, m.duration, calls)
	return m
}

// observe records one request. Methods outside the standard set are counted as OTHER, so
// that arbitrary method names sent to unknown routes cannot grow the label space.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "OTHER"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}
