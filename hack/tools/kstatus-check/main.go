// kstatus-check prints what Flux's health checks (sigs.k8s.io/cli-utils/pkg/kstatus) make of objects:
// it reads a Kubernetes object or a List as JSON on stdin (e.g. `kubectl get sshtunnels -o json`) and
// prints one line per object: namespace/name<TAB>status<TAB>message.
package main

import (
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	// The unstructured decoder keeps integers as int64, as kstatus expects (encoding/json would make float64).
	var object unstructured.Unstructured
	if err := object.UnmarshalJSON(input); err != nil {
		fail(err)
	}
	items := []unstructured.Unstructured{object}
	if object.IsList() {
		list, err := object.ToList()
		if err != nil {
			fail(err)
		}
		items = list.Items
	}
	for i := range items {
		result, err := status.Compute(&items[i])
		if err != nil {
			fail(err)
		}
		fmt.Printf("%s/%s\t%s\t%s\n", items[i].GetNamespace(), items[i].GetName(), result.Status, result.Message)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kstatus-check:", err)
	os.Exit(1)
}
