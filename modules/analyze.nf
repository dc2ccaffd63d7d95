include { layerInfo; shellArgs } from 'plugin/nf-landscape'

/*
 * ANALYZE: one extraction point of one run: Gride ID, kNN density, ADP clusters, ARIs, label overlap → l<i>.json.
 * Label cpu. Memory is sized from the layer file's header (plugin layerInfo), not from a label: the float64 matrix,
 * a float32 copy for screening, the maxk neighbour lists (task.ext.maxk), plus a fixed 1.5 GB for the JVM, the native
 * kNN chunk budget and libtorch. Every retry (exit 137/140) multiplies it by task.attempt; process.resourceLimits
 * caps it. Analysis options and JVM options come from task.ext (conf/modules.config).
 *
 * The run directory and the mask are staged under fixed names (run, mask.npy): no folder or file name reaches the
 * script; the layer file is staged only for layerInfo.
 */
process ANALYZE {
    tag "${meta.model} ${meta.shots}shot l${meta.layer}"
    label 'cpu'

    memory { analysisMemory(layerInfo(layer), task.ext.maxk) * task.attempt }

    input:
    tuple val(meta), path(layer), path(run, stageAs: 'run')
    path mask, stageAs: 'mask.npy'

    output:
    tuple val(meta), path("l${meta.layer as int}.json"), emit: stats
    path 'versions.yml'                                , emit: versions

    script:
    def args    = shellArgs(task.ext.args)
    def maskArg = mask ? '--mask mask.npy' : ''
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    export OMP_NUM_THREADS=${task.cpus}
    export LANDSCAPE_JAVA_OPTS="${task.ext.java_opts ?: ''} \${LANDSCAPE_JAVA_OPTS:-}"
    landscape-analyze \\
        --run run \\
        --layer-index ${meta.layer as int} \\
        ${maskArg} \\
        ${args} \\
        --out l${meta.layer as int}.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-analyze: \$(landscape-analyze --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    echo '{"n_points": ${meta.rows as long}, "maxk": 0, "layer": ${meta.layer as int}}' > l${meta.layer as int}.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-analyze: stub
    END_VERSIONS
    """
}

/** Bytes the analysis of one layer needs: see the process comment. `info` is layerInfo's [rows, dim, dtype, bytes]. */
def analysisMemory(info, maxk) {
    long rows = info[0] as long
    long dim  = info[1] as long
    long kk   = Math.max(1L, Math.min((maxk ?: 1000) as long, rows - 1))
    long need = rows * dim * (8 + 4) + rows * kk * 24 + 1536L * 1024 * 1024
    new nextflow.util.MemoryUnit(need)
}
