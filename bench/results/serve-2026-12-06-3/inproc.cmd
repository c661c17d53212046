./jrnn bench --preset bilstm2x64 --data ../shared/data/ag_news --threads 2 --max-batches 200 --json-out bench/results/serve-2026-12-06-3/inproc_bilstm2x64.json
