package play_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/medperf/medperf/demo/play"
	"github.com/medperf/medperf/medperftest"
)

// benchmarkDemo plays the whole demo (five cases per site) b.N times.
func benchmarkDemo(b *testing.B, o play.Options) {
	var images []string
	for b.Loop() {
		d, err := play.Play(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		images = d.Report.Images
		d.Close()
	}
	if len(images) > 0 {
		dc := medperftest.DockerClient(b)
		for _, ref := range images {
			dc.ImageRemove(context.Background(), ref, image.RemoveOptions{})
		}
	}
}

func BenchmarkDemoLocal(b *testing.B) { benchmarkDemo(b, play.Options{Runtime: play.RuntimeLocal}) }

func BenchmarkDemoDocker(b *testing.B) {
	medperftest.Require(b, medperftest.Docker)
	benchmarkDemo(b, play.Options{Runtime: play.RuntimeDocker, ImageTag: fmt.Sprintf("bench-%d", time.Now().UnixNano())})
}
