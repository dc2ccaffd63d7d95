include { layerInfo } from 'plugin/nf-landscape'

/*
 * ANALYZE: one extraction point of one run: Gride ID, kNN density, ADP clusters, ARIs, label overlap → l<i>.json.
 * Label cpu. Memory is sized from the layer file's header (plugin layerInfo), not from a label: the float64 matrix,
 * a float32 copy for screening, the maxk neighbour lists, plus a fixed 1.5 GB for the JVM, the native kNN chunk
 * budget and libtorch. Every retry (exit 137/140) multiplies it by task.attempt; process.resourceLimits caps it.
 */
process ANALYZE {
    tag "${meta.model} ${meta.shots}shot l${meta.layer}"
    label 'cpu'

    memory { analysisMemory(layerInfo(layer), params.maxk) * task.attempt }

    input:
    tuple val(meta), path(layer), path(run, stageAs: 'run/*')
    path mask

    output:
    tuple val(meta), path("l${meta.layer}.json"), emit: stats
    path 'versions.yml'                         , emit: versions

    script:
    def args    = task.ext.args ?: ''
    def maskArg = mask ? "--mask ${mask}" : ''
    def jvm     = javaOpts(task, 0.6)
    """
    export OMP_NUM_THREADS=${task.cpus}
    export LANDSCAPE_JAVA_OPTS="${jvm} \${LANDSCAPE_JAVA_OPTS:-}"
    landscape-analyze \\
        --run ${run} \\
        --layer-index ${meta.layer} \\
        ${maskArg} \\
        ${args} \\
        --out l${meta.layer}.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-analyze: \$(landscape-analyze --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    """
    echo '{"n_points": ${meta.rows}, "maxk": 0, "layer": ${meta.layer}}' > l${meta.layer}.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-analyze: stub
    END_VERSIONS
    """
}

/** Bytes the analysis of one layer needs: see the process comment. `info` is layerInfo's [rows, dim, dtype, bytes]. */
def analysisMemory(info, maxk) {
    long rows = (info instanceof Map ? info.rows : info[0]) as long
    long dim  = (info instanceof Map ? info.dim  : info[1]) as long
    long kk   = Math.max(1L, Math.min((maxk ?: 1000) as long, rows - 1))
    long need = rows * dim * (8 + 4) + rows * kk * 24 + 1536L * 1024 * 1024
    new nextflow.util.MemoryUnit(need)
}

/**
 * JVM options for the task: -Xmx at `fraction` of the task's memory (the rest is libtorch's native memory), and
 * libtorch's threads pinned to the task's CPUs, so tasks sharing a node do not oversubscribe it.
 */
def javaOpts(task, fraction) {
    def heap = task.memory ? "-Xmx${Math.max(256L, (long) (task.memory.toMega() * (fraction as double)))}m " : ''
    "${heap}-Dai.djl.pytorch.num_threads=${task.cpus} -Dai.djl.pytorch.num_interop_threads=1"
}
