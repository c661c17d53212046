JRNN_CDS=0 ./jrnn serve --model rnn_masked=bench/results/serve-models/rnn_masked.jrnn --model bilstm2x64=bench/results/serve-models/bilstm2x64.jrnn --host 127.0.0.1 --port 18441 --workers 2
