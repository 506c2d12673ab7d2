// Command hello prints a greeting; medperftest builds it into a FROM scratch
// image to prove that tests can build and run containers.
package main

import "fmt"

func main() { fmt.Println("hello from scratch") }
