/*
 * EXTRACT: one forward pass per prompt of (dataset, split, shots) through one model; writes a representation
 * directory (manifest.json, samples.csv, one l<i>.safetensors per extraction point), named <k>shot.
 * Label gpu. On a retry after an out-of-memory exit (137/140) the token budget per batch is halved per attempt.
 */
process EXTRACT {
    tag "${meta.model} ${meta.shots}shot"
    label 'gpu'

    input:
    tuple val(meta), path(model, stageAs: 'model/*'), path(adapter, stageAs: 'adapter/*')
    path dataset, stageAs: 'dataset/*'

    output:
    tuple val(meta), path("${meta.shots}shot"), emit: dir
    path 'versions.yml'                       , emit: versions

    script:
    def args         = task.ext.args ?: ''
    // real paths, not the task's staging links, so the manifest's provenance is the same for every run
    def adapterArg   = adapter ? "--adapter \"\$(readlink -f ${adapter})\"" : ''
    def batchTokens  = Math.max(256L, (params.batch_tokens as long).intdiv(1L << (task.attempt - 1)))
    def jvm          = javaOpts(task, 0.8)
    """
    export OMP_NUM_THREADS=${task.cpus}
    export LANDSCAPE_JAVA_OPTS="${jvm} \${LANDSCAPE_JAVA_OPTS:-}"
    landscape-extract run \\
        --model "\$(readlink -f ${model})" \\
        --model-id ${meta.model} \\
        ${adapterArg} \\
        --dataset "\$(readlink -f ${dataset})" \\
        --split ${meta.split} \\
        --shots ${meta.shots} \\
        --batch-tokens ${batchTokens} \\
        ${args} \\
        --out ${meta.shots}shot

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: \$(landscape-extract --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    """
    # a valid, tiny representation dir (6 points of zeros, 8 rows × 4 dims): enough for the plugin to scan
    out=${meta.shots}shot
    mkdir -p \$out
    echo "row,dataset_index,subject,answer,prediction,constrained_prediction,n_tokens" > \$out/samples.csv
    for r in 0 1 2 3 4 5 6 7; do echo "\$r,\$r,stub_subject,A,A,A,10" >> \$out/samples.csv; done
    points=""
    for i in 0 1 2 3 4 5; do
        header='{"layer":{"dtype":"F32","shape":[8,4],"data_offsets":[0,128]}}'
        printf "\\x\$(printf %02x \${#header})\\x00\\x00\\x00\\x00\\x00\\x00\\x00" > \$out/l\$i.safetensors
        printf '%s' "\$header" >> \$out/l\$i.safetensors
        head -c 128 /dev/zero >> \$out/l\$i.safetensors
        points="\$points\${points:+,}"'{"index":'\$i',"module":"stub.'\$i'","file":"l'\$i'.safetensors","rows":8,"dim":4,"dtype":"F32"}'
    done
    cat > \$out/manifest.json <<-END_MANIFEST
    {"format": "landscape-representations", "format_version": 1, "model": {"id": "${meta.model}"},
     "split": "${meta.split}", "shots": ${meta.shots}, "rows": 8, "points": [\$points]}
    END_MANIFEST

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: stub
    END_VERSIONS
    """
}

/**
 * JVM options for the task: -Xmx at `fraction` of the task's memory (the rest is libtorch's native memory), and
 * libtorch's threads pinned to the task's CPUs, so tasks sharing a node do not oversubscribe it.
 */
def javaOpts(task, fraction) {
    def heap = task.memory ? "-Xmx${Math.max(256L, (long) (task.memory.toMega() * (fraction as double)))}m " : ''
    "${heap}-Dai.djl.pytorch.num_threads=${task.cpus} -Dai.djl.pytorch.num_interop_threads=1"
}
