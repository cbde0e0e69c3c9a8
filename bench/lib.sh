# What every bench script shares; sourced from the repository's root.
BIN=$PWD/target/release/casefile
GEN=$PWD/target/release/examples/gen_journal
NARR=${NARRATIVES:-../shared/data/cfpb/narratives-by-product.csv}

emit() { # figure value unit anchor anchor_value reproduce
  python3 -c 'import json,sys; a=sys.argv; print(json.dumps({"figure": a[1], "value": float(a[2]), "unit": a[3], "anchor": a[4], "anchor_value": float(a[5]), "ratio": float(a[2]) / float(a[5]), "reproduce": a[6]}))' "$@"
}
