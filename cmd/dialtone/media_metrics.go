package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/session"
)

// mediaCollector exposes the conversation engine and its send clock to Prometheus, read at
// each scrape.
type mediaCollector struct {
	engine *session.Engine
	clock  *pacer.Pacer
}

var (
	descConversations = prometheus.NewDesc("dialtone_conversations_live",
		"Conversations (answered calls with an agent) this server process is running.", nil, nil)
	descLateness = prometheus.NewDesc("dialtone_media_send_lateness_seconds",
		"How late after its 20 ms tick each call's audio frame was handed to the carrier, since the server started (upper bounds).", nil, nil)
	descSkipped = prometheus.NewDesc("dialtone_media_ticks_skipped_total",
		"Send-clock ticks skipped because the clock woke a whole tick late.", nil, nil)
)

func (c mediaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descConversations
	ch <- descLateness
	ch <- descSkipped
}

func (c mediaCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descConversations, prometheus.GaugeValue, float64(c.engine.Live()))
	st := c.clock.Stats()
	l := &st.Lateness
	ch <- prometheus.MustNewConstSummary(descLateness, l.Count, l.Sum.Seconds(), map[float64]float64{
		0.5: l.Quantile(0.5).Seconds(), 0.99: l.Quantile(0.99).Seconds(), 0.999: l.Quantile(0.999).Seconds(),
	})
	ch <- prometheus.MustNewConstMetric(descSkipped, prometheus.CounterValue, float64(st.Skipped))
}
