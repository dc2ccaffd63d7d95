/** Where a model or adapter is read from, checked the same way by extract and by the pipeline. */
package landscape.core.model;
