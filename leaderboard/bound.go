package leaderboard

import (
	"fmt"

	"github.com/medperf/medperf"
)

// MaxBoards bounds the boards of one leaderboard: free-form results may hold
// up to medperf.MaxResultMetrics keys each, different in every result, and
// a board per key made one hostile result a 121 MB leaderboard (issue 12,
// finding 4). Declared metrics never exceed it (medperf.MaxMetrics).
const MaxBoards = medperf.MaxMetrics

// MaxCells bounds the model × dataset cells of one leaderboard, all boards
// together. Past it the matrices and the list of datasets are left out
// (Leaderboard.MatrixOmitted says so) and only the summary rows are given;
// one metric at a time (?metric=) or the results export give the rest.
const MaxCells = 100_000

// bound applies MaxBoards and the cell bound (MaxCells, or maxCells when it
// is positive and lower) to lb, recording what it left out.
func (lb *Leaderboard) bound(maxCells int) {
	maxCells = cellBound(maxCells)
	if len(lb.Boards) > MaxBoards {
		lb.BoardsOmitted = len(lb.Boards) - MaxBoards
		lb.Boards = lb.Boards[:MaxBoards]
	}
	cells := len(lb.Models) * len(lb.Datasets) * len(lb.Boards)
	if cells <= maxCells {
		return
	}
	lb.MatrixOmitted = fmt.Sprintf("the matrix has %d cells (%d models × %d datasets × %d metrics), more than %d: only the summary rows are given; ask for one metric with ?metric= or export the results",
		cells, len(lb.Models), len(lb.Datasets), len(lb.Boards), maxCells)
	lb.Datasets = []Entity{}
	for i := range lb.Boards {
		lb.Boards[i].Cells = [][]Cell{}
	}
}

// cellBound is the cell bound Options.MaxCells asks for: MaxCells unless
// it is positive and lower.
func cellBound(maxCells int) int {
	if maxCells <= 0 || maxCells > MaxCells {
		return MaxCells
	}
	return maxCells
}
