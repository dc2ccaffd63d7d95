/** The nf-landscape Nextflow plugin: thin glue over core (representation channel, models sheet, parameter checks). */
package landscape.nf;
